"""Casework's PostgreSQL database backend (`ENGINE = "casework.core.postgresql"`)."""
