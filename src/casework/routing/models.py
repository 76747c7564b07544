"""Persistence of the routing area."""

from __future__ import annotations
