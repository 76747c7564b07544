"""casework token list --user EMAIL: the user's API tokens that still work."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from casework.iam import selectors, services


class Command(BaseCommand):
    help = "List a user's API tokens that still work (never their keys)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", required=True, help="the user's email")

    def handle(self, *args: Any, **options: Any) -> None:
        user = selectors.find_user_by_email(options["user"])
        if user is None:
            raise CommandError(f"--user: no user with email {options['user']}")
        tokens = services.tokens_for(user, by=user)
        if not tokens:
            self.stderr.write(f"{user.email} has no tokens that work")
        for token in tokens:
            used = token.last_used_at.isoformat(timespec="minutes") if token.last_used_at else "never"
            self.stdout.write(
                f"{token.pk}\t{token.name}\t{token.prefix}…\t{','.join(token.scopes or [])}\tlast used {used}"
            )
