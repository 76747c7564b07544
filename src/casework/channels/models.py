"""Persistence of the channels area."""

from __future__ import annotations
