"""API routes of the knowledge area."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["knowledge"])
