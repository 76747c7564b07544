"""Persistence of the sla area."""

from __future__ import annotations
