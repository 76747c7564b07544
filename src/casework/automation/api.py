"""API routes of the automation area."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["automation"])
