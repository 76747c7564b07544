"""Demo data for the browser tests, written into the server's own database (run in a
subprocess before the server starts). Prints the case numbers the tests use."""

from __future__ import annotations

import json
import os

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.config.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from casework.cases import demo, services
    from casework.cases.models import Case
    from casework.core.actors import Actor

    ctx = demo.load(case_count=40)
    alex = ctx.users["agent@example.com"]
    support = ctx.teams["Support"]
    customer = ctx.contacts[1]
    cases = {}
    for key, title in [
        ("work", "Export to CSV drops the last row"),
        ("live", "Invoice PDF shows the wrong VAT number"),
        ("board", "Password reset mail never arrives"),
        ("draft", "Mobile app crashes on login"),
    ]:
        case = services.open_case(
            Actor.customer(customer),
            title=title,
            description="Since this morning the export stops one row early.",
            contact=customer,
            account=customer.account,
            team=support,
            priority="high",
            channel="email",
        )
        cases[key] = case.number
    services.assign(Actor.agent(alex), Case.objects.get(number=cases["live"]), assignee=alex)
    print(json.dumps(cases))


if __name__ == "__main__":
    main()
