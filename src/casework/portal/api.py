"""API routes of the portal area."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["portal"])
