"""casework config export | casework config apply FILE [--dry-run]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.automation.config_file import ConfigError, apply_text, export_text


class Command(BaseCommand):
    help = "Export automation settings to one YAML file, or apply one (in one transaction)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write every case type, playbook, rule and macro as YAML")
        export.add_argument("--output", "-o", help="file to write (default: standard output)")
        apply = sub.add_parser("apply", help="create or update what FILE describes")
        apply.add_argument("file")
        apply.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export":
            text = export_text()
            if options.get("output"):
                Path(options["output"]).write_text(text, encoding="utf-8")
            else:
                self.stdout.write(text, ending="")
            return
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            plan = apply_text(
                path.read_text(encoding="utf-8"), filename=str(path), dry_run=options["dry_run"]
            )
        except ConfigError as err:
            raise CommandError(str(err)) from None
        for line in plan.lines():
            self.stdout.write(line)
        verb = "would change" if options["dry_run"] else "changed"
        self.stdout.write(f"{len(plan.created) + len(plan.updated)} {verb}, {len(plan.unchanged)} unchanged")
