"""Reporting: metric definitions, read models, exports."""
