"""caredesk messages [--compile | --check]: the translation catalogues (core/catalogues.py).

Without options: collect the marked text of the code and templates into each language's
``.po`` (Django's makemessages; needs GNU gettext), then compile. ``--compile`` only
compiles (pure Python: for an operator who edited a ``.po``), ``--check`` only reports what
keeps the catalogues from shipping and fails if anything does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from caredesk.core import catalogues

# What is not the product's text for people: tests, migrations, operators' commands, demo data.
IGNORED = ["tests/*", "*/tests/*", "migrations/*", "*/migrations/*", "*/management/*", "demo/*", "*/static/*"]


class Command(BaseCommand):
    help = "Collect, compile or check the translation catalogues."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--compile", action="store_true", help="only compile the .po files")
        group.add_argument("--check", action="store_true", help="only check the catalogues")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            problems = catalogues.problems()
            for problem in problems:
                self.stdout.write(problem)
            if problems:
                raise CommandError(f"{len(problems)} problems in the catalogues")
            self.stdout.write("The catalogues are complete and compiled.")
            return
        if not options["compile"]:
            self._collect()
        for path in catalogues.compile_all():
            self.stdout.write(f"compiled {path}")

    def _collect(self) -> None:
        import os

        package = catalogues.locale_dir().parent
        languages = [c.language for c in catalogues.catalogues()]
        for language in languages:
            (package / "locale" / language / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
        here = Path.cwd()
        os.chdir(package)  # makemessages reads the directory it runs in, and writes to its locale/
        try:
            call_command("makemessages", locale=languages, ignore_patterns=IGNORED, no_obsolete=True,
                         add_location="file", verbosity=0)  # fmt: skip
        finally:
            os.chdir(here)
