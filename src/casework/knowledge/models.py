"""Persistence of the knowledge area."""

from __future__ import annotations
