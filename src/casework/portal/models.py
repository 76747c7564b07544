"""Persistence of the portal area."""

from __future__ import annotations
