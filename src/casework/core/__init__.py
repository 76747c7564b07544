"""Shared kernel: clock, actors, domain events, errors, pagination, search."""
