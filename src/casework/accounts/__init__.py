"""Accounts (companies), contacts (people) and entitlements."""
