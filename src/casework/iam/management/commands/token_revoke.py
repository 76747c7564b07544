"""casework token revoke --user EMAIL --name NAME: the token's calls are refused from now on."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from casework.iam import selectors, services


class Command(BaseCommand):
    help = "Revoke a user's API tokens of that name; calls with them are refused from now on."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", required=True, help="the user's email")
        parser.add_argument("--name", required=True, help="the token's name (`token list` shows them)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = selectors.find_user_by_email(options["user"])
        if user is None:
            raise CommandError(f"--user: no user with email {options['user']}")
        named = [t for t in services.tokens_for(user, by=user) if t.name == options["name"].strip()]
        if not named:
            raise CommandError(f"--name: {user.email} has no token named {options['name']!r} that works")
        for token in named:
            services.revoke_token(token, by=user)
        self.stdout.write(f"revoked {len(named)} token(s) named {options['name']!r} of {user.email}")
