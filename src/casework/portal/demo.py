"""Demo portal: branding defaults (the demo customer, customer@example.com, signs in
with the demo password; the base demo made and verified that login)."""

from __future__ import annotations

from typing import Any

from casework.portal import services


def load_demo(ctx: Any) -> None:
    admin = ctx.users.get("admin@example.com")
    if admin is not None:
        services.update_branding(
            admin,
            name="Casework Support",
            colour="#0b5fff",
            welcome="How can we help you today?",
            survey_kind="csat",
        )
