"""Demo data: teams, people, accounts, contacts and ~200 cases in every status
with believable timelines, replayed through the real services at past times."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from casework.accounts import services as accounts
from casework.cases import services
from casework.cases.models import Case
from casework.core import clock
from casework.core.actors import Actor
from casework.iam import services as iam
from casework.iam.domain import Role

DEMO_PASSWORD = "casework-demo"
LOGINS = [
    ("admin@example.com", Role.ADMIN, "Ada Admin", ["Support"]),
    ("lead@example.com", Role.LEAD, "Lee Lead", ["Support", "Billing"]),
    ("agent@example.com", Role.AGENT, "Alex Agent", ["Support"]),
    ("sam@example.com", Role.AGENT, "Sam Support", ["Support", "Technical"]),
    ("bea@example.com", Role.AGENT, "Bea Billing", ["Billing"]),
    ("tom@example.com", Role.AGENT, "Tom Technical", ["Technical"]),
    ("partner@example.com", Role.PARTNER_AGENT, "Pat Partner", ["Outsourced Tier 1"]),
]
CUSTOMER_EMAIL = "customer@example.com"

ACCOUNTS = [
    ("Northwind Traders", "enterprise", ["northwind.example"]),
    ("Contoso Ltd", "premium", ["contoso.example"]),
    ("Globex Corporation", "enterprise", ["globex.example"]),
    ("Initech", "standard", ["initech.example"]),
    ("Umbrella Health", "premium", ["umbrella.example"]),
    ("Stark Logistics", "standard", ["stark.example"]),
    ("Wayne Foods", "standard", ["wayne.example"]),
    ("Tyrell Robotics", "premium", ["tyrell.example"]),
]
FIRST = [
    "Maria",
    "John",
    "Aiko",
    "Ravi",
    "Lena",
    "Omar",
    "Chloe",
    "Pedro",
    "Ingrid",
    "Kwame",
    "Sofia",
    "Yuki",
]
LAST = ["Schmidt", "Okafor", "Tanaka", "Patel", "Novak", "Haddad", "Martin", "Silva", "Berg", "Mensah"]
PROBLEMS = [
    ("Invoice shows the wrong VAT rate", "Billing", "Our March invoice applied 19% VAT instead of 7%."),
    (
        "Cannot log in after password reset",
        "Support",
        "The reset link works but the new password is refused.",
    ),
    ("Export to CSV times out", "Technical", "Exporting 50k rows stops after 30 seconds with an error."),
    ("Refund for duplicate charge", "Billing", "We were charged twice for the annual plan."),
    ("API returns 500 on bulk update", "Technical", "PATCH with 200 items fails intermittently."),
    ("How do I add a new user?", "Support", "We hired two people and need accounts for them."),
    ("Printer integration stopped working", "Technical", "Since the update labels no longer print."),
    ("Change billing address", "Billing", "We moved offices; please update the address on invoices."),
    ("SSO login loops back to sign-in", "Technical", "Azure AD sign-in redirects back forever."),
    ("Data missing from yesterday's report", "Support", "Orders from 14:00 to 16:00 are not in the report."),
    ("Upgrade to the premium plan", "Billing", "What would the upgrade cost for 40 seats?"),
    ("Webhook deliveries delayed", "Technical", "Webhooks arrive up to an hour late."),
]
REPLIES = [
    "Thanks for reaching out. I'm looking into this now.",
    "Could you send a screenshot of the error and the time it happened?",
    "We found the cause and a fix is on its way.",
    "I've applied the change on our side. Could you try again?",
]
CUSTOMER_REPLIES = [
    "Here is the screenshot you asked for.",
    "Still happening, unfortunately.",
    "That worked, thank you!",
]
NOTES = [
    "Checked the logs: matches the known issue from last week.",
    "Escalated to engineering.",
    "Customer is a key account.",
]
STATUS_MIX = (
    ["open"] * 5
    + ["new"] * 3
    + ["pending"] * 3
    + ["on_hold"] * 2
    + ["resolved"] * 3
    + ["closed"] * 3
    + ["cancelled"]
)


@dataclass
class DemoContext:
    """What the base demo made, for other areas' demo loaders to build on."""

    teams: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    accounts: list[Any] = field(default_factory=list)
    contacts: list[Any] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)


def logins() -> list[tuple[str, str, str]]:
    rows = [(role.value, email, DEMO_PASSWORD) for email, role, _, _ in LOGINS]
    rows.append(("customer", CUSTOMER_EMAIL, DEMO_PASSWORD))
    return rows


@transaction.atomic
def load(case_count: int = 200, seed: int = 7) -> DemoContext:
    rng = random.Random(seed)
    ctx = DemoContext()
    for name in ("Support", "Billing", "Technical"):
        ctx.teams[name] = iam.create_team(name, description=f"{name} queue")
    ctx.teams["Outsourced Tier 1"] = iam.create_team(
        "Outsourced Tier 1",
        description="First-line support by our partner",
        partner_organisation="Acme Outsourcing",
    )
    for email, role, name, teams in LOGINS:
        ctx.users[email] = iam.create_user(
            email,
            role=role,
            name=name,
            password=DEMO_PASSWORD,
            teams=[ctx.teams[t] for t in teams],
            check_password=False,
        )
    iam.add_member(ctx.teams["Support"], ctx.users["lead@example.com"], is_lead=True)
    for name, tier, domains in ACCOUNTS:
        ctx.accounts.append(accounts.create_account(name, tier=tier, email_domains=domains))
    customer = accounts.create_contact(
        name="Casey Customer", emails=[CUSTOMER_EMAIL], account=ctx.accounts[0]
    )
    customer.user = iam.create_user(
        CUSTOMER_EMAIL,
        role=Role.CUSTOMER,
        name="Casey Customer",
        password=DEMO_PASSWORD,
        check_password=False,
    )
    customer.save(update_fields=["user"])
    customer.emails.update(is_verified=True)
    ctx.contacts.append(customer)
    for i in range(40):
        account = ctx.accounts[i % len(ctx.accounts)]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}.{i}@{account.email_domains[0]}".lower()
        ctx.contacts.append(
            accounts.create_contact(
                name=f"{first} {last}",
                emails=[email],
                account=account,
                phone=f"+49 30 {rng.randint(1000000, 9999999)}",
            )
        )
    agents = [u for u in ctx.users.values() if u.role in {Role.AGENT, Role.LEAD, Role.PARTNER_AGENT}]
    start = clock.now() - timedelta(days=30)
    for i in range(case_count):
        at = start + timedelta(minutes=i * (30 * 24 * 60 // max(case_count, 1)))
        ctx.cases.append(_demo_case(rng, ctx, agents, at, STATUS_MIX[i % len(STATUS_MIX)], i))
    return ctx


def _demo_case(
    rng: random.Random, ctx: DemoContext, agents: list[Any], at: datetime, status: str, i: int
) -> Case:
    title, team_name, description = PROBLEMS[i % len(PROBLEMS)]
    contact = ctx.contacts[0] if i % 10 == 0 else rng.choice(ctx.contacts)
    team = ctx.teams["Outsourced Tier 1"] if i % 9 == 0 else ctx.teams[team_name]
    moment = [at]

    def tick(minutes: int) -> datetime:
        moment[0] = moment[0] + timedelta(minutes=minutes)
        return moment[0]

    with clock.using(lambda: moment[0]):
        customer = Actor.customer(contact)
        case = services.open_case(
            customer,
            title=title,
            description=description,
            contact=contact,
            team=team,
            priority=rng.choice(["low", "normal", "normal", "high", "urgent"]),
            channel=rng.choice(["email", "email", "portal", "phone", "chat"]),
            tags=rng.sample(["vip", "bug", "how-to", "invoice", "outage"], 1),
        )
        if status == "new":
            return case
        agent = rng.choice([a for a in agents if team in a.teams.all()] or agents)
        actor = Actor.agent(agent)
        tick(rng.randint(5, 240))
        case = services.assign(actor, case, assignee=agent)
        tick(rng.randint(1, 60))
        services.post_reply(actor, case, text=rng.choice(REPLIES))
        if rng.random() < 0.5:
            tick(rng.randint(5, 120))
            services.add_note(actor, case, text=rng.choice(NOTES))
        if status == "open":
            tick(rng.randint(30, 600))
            services.receive_customer_message(
                contact, case, text=rng.choice(CUSTOMER_REPLIES), channel=case.channel
            )
        elif status in {"pending", "on_hold", "cancelled"}:
            tick(rng.randint(5, 60))
            case = services.change_status(actor, case, status)
        elif status in {"resolved", "closed"}:
            tick(rng.randint(60, 2000))
            case = services.change_status(
                actor,
                case,
                "resolved",
                resolution_code="solved",
                resolution_summary="Fixed the configuration and confirmed with the customer.",
            )
            if status == "closed":
                tick(rng.randint(60, 600))
                services.accept_resolution(contact, case)
        return Case.objects.get(pk=case.pk)
