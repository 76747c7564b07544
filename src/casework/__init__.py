"""Casework: open-source customer case management."""
