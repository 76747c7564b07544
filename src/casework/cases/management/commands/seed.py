"""casework seed --demo | --cases N"""

from __future__ import annotations

import importlib
import random
import time
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rich.progress import Progress

from casework.cases import demo
from casework.cases.bulk import bulk_create_cases
from casework.cases.models import Case
from casework.core.planner import refresh_statistics


class Command(BaseCommand):
    help = "Load demo data (--demo) or N generated cases for load tests (--cases N)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--demo", action="store_true", help="teams, people, accounts and ~200 cases")
        parser.add_argument("--cases", type=int, default=0, help="bulk-create N cases")
        parser.add_argument("--if-empty", action="store_true", help="only when there are no cases yet")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["demo"] and not options["cases"]:
            raise CommandError("say --demo or --cases N")
        if options["cases"] < 0:
            raise CommandError("--cases: a number of cases, 0 or more")
        if options["if_empty"] and Case.objects.exists():
            if options["demo"]:
                self._print_logins()
            return
        if options["demo"]:
            started = time.monotonic()
            ctx = demo.load(seed=options["seed"])
            for config in apps.get_app_configs():
                if config.name.startswith("casework.") and config.name != "casework.cases":
                    try:
                        module = importlib.import_module(f"{config.name}.demo")
                    except ModuleNotFoundError:
                        continue
                    with transaction.atomic():
                        module.load_demo(ctx)
            self.stdout.write(
                f"demo data loaded: {len(ctx.cases)} cases in {time.monotonic() - started:.1f}s"
            )
            self._print_logins()
        if options["cases"]:
            self._bulk(options["cases"], options["seed"])
        refresh_statistics()

    def _bulk(self, count: int, seed: int) -> None:
        rng = random.Random(seed)
        started = time.monotonic()
        with Progress() as progress:
            bar = progress.add_task(f"creating {count} cases", total=count)
            for done in bulk_create_cases(count, rng=rng, spread=timedelta(days=365)):
                progress.update(bar, completed=done)
        elapsed = time.monotonic() - started
        self.stdout.write(f"{count} cases in {elapsed:.1f}s ({count / max(elapsed, 1e-9):.0f}/s)")

    def _print_logins(self) -> None:
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        for role, email, _ in demo.logins():
            self.stdout.write(f"  {role:<14} {email}")
