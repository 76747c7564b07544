"""API routes of the reporting area."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["reporting"])
