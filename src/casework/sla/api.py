"""API routes of the sla area."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["sla"])
