"""casework createuser EMAIL --role ROLE [--team NAME]... [--password P]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from casework.core.errors import CaseworkError
from casework.iam import selectors, services
from casework.iam.domain import Role


class Command(BaseCommand):
    help = "Create a user (agent, lead, admin, partner agent) and put them in teams."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email")
        parser.add_argument("--role", default=Role.AGENT, choices=[r.value for r in Role])
        parser.add_argument(
            "--team", action="append", default=[], help="team name (repeatable; created if new)"
        )
        parser.add_argument("--name", default="")
        parser.add_argument("--password", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        teams = []
        try:
            for name in options["team"]:
                teams.append(selectors.find_team_by_name(name) or services.create_team(name))
            user = services.create_user(
                options["email"],
                role=options["role"],
                name=options["name"],
                password=options["password"],
                teams=teams,
            )
        except CaseworkError as exc:
            raise CommandError(f"{exc.field}: {exc.message}" if exc.field else exc.message) from None
        self.stdout.write(f"created {user.role} {user.email} (id {user.pk})")
