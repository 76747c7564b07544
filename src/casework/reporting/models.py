"""Persistence of the reporting area."""

from __future__ import annotations
