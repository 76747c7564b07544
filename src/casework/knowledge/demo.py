"""Demo knowledge base: categories and a dozen published articles (one internal, one draft)."""

from __future__ import annotations

from typing import Any

from casework.knowledge import services

CATEGORIES = ["Getting started", "Billing", "Integrations", "Troubleshooting"]
ARTICLES: list[tuple[str, str, str, list[str]]] = [
    (
        "How to reset your password",
        "Getting started",
        "Open **Sign in**, choose *Forgot password* and follow the link we email you. "
        "The link works for 15 minutes.",
        ["password", "login"],
    ),
    (
        "Adding a new user to your account",
        "Getting started",
        "Account admins add people under **Settings → Users**. Each user gets an invitation by email.",
        ["users"],
    ),
    (
        "Setting up single sign-on (SSO)",
        "Integrations",
        "1. In your identity provider create a SAML app.\n"
        "2. Paste its metadata URL under **Settings → SSO**.\n"
        "3. Test with one user before enforcing.",
        ["sso", "azure", "login"],
    ),
    (
        "Why does SSO sign-in loop back?",
        "Troubleshooting",
        "A loop usually means the clock of the identity provider is off "
        "or the reply URL does not match. Check both.",
        ["sso", "login"],
    ),
    (
        "Understanding your invoice",
        "Billing",
        "Each invoice lists seats, add-ons and VAT. The VAT rate follows the billing address of the account.",
        ["invoice", "vat"],
    ),
    (
        "Changing your billing address",
        "Billing",
        "Account admins change the billing address under **Billing → Details**. The next invoice uses it.",
        ["invoice", "address"],
    ),
    (
        "Refunds for duplicate charges",
        "Billing",
        "If you were charged twice, tell us the two transaction dates: "
        "we refund the duplicate within 5 working days.",
        ["refund", "charge"],
    ),
    (
        "Exporting data to CSV",
        "Troubleshooting",
        "Large exports run in the background: you get an email with a download link when the file is ready.",
        ["export", "csv"],
    ),
    (
        "Webhooks: delivery and retries",
        "Integrations",
        "We retry failed webhook deliveries with exponential backoff for 24 hours. Respond with 2xx quickly.",
        ["webhooks", "api"],
    ),
    (
        "Using the REST API",
        "Integrations",
        "Create a token under **Settings → API** and send it as `Authorization: Bearer <token>`.",
        ["api"],
    ),
    (
        "Printer labels stopped printing",
        "Troubleshooting",
        "After an update, re-select the label printer in **Settings → Printing** and print a test page.",
        ["printer", "labels"],
    ),
    (
        "Upgrading to the premium plan",
        "Billing",
        "Upgrade any time under **Billing → Plan**; you pay the difference for the rest of the term.",
        ["plan", "upgrade"],
    ),
    (
        "Escalation checklist for billing disputes",
        "Billing",
        "Internal: check the payment provider log, then the invoice history, before promising a refund.",
        ["refund"],
    ),
    ("Draft: new reporting dashboard", "Getting started", "Work in progress.", []),
]


def load_demo(ctx: Any) -> None:
    author = ctx.users.get("lead@example.com")
    categories = {name: services.create_category(name, position=i) for i, name in enumerate(CATEGORIES)}
    for title, category, body, tags in ARTICLES:
        services.create_article(
            author,
            title=title,
            body=body,
            status="draft" if title.startswith("Draft") else "published",
            is_internal=title.startswith("Escalation"),
            category=categories[category],
            tags=tags,
        )
