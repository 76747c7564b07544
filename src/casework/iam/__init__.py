"""Agents, teams, roles, permissions, API tokens, sign-in."""
