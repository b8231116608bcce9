"""``caredesk import-cases FILE --as EMAIL``: cases from another system, one JSON object per
line (the body of ``POST /api/v1/case-imports`` without the list), with their past."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from caredesk.accounts.models import User
from caredesk.cases.services import IMPORT_MAX, import_cases, imported_case
from caredesk.core.errors import DomainError, ValidationFailed


class Command(BaseCommand):
    help = "Import cases with their history from a JSON Lines file; nobody is notified."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="one case per line ('-' for standard input)")
        parser.add_argument("--as", dest="admin", required=True, help="e-mail address of the administrator importing")

    def handle(self, *args: Any, **options: Any) -> None:
        admin = User.objects.filter(email=options["admin"].strip().lower(), is_active=True).first()
        if admin is None:
            raise CommandError(f"No active user {options['admin']}.")
        path: Path = options["file"]
        if str(path) != "-" and not path.is_file():
            raise CommandError(f"No such file: {path}")
        stream = sys.stdin if str(path) == "-" else path.open(encoding="utf-8")
        imported, refused, batch = 0, 0, []  # batch: (line number, case)
        with stream:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    batch.append((number, imported_case(json.loads(line))))
                except (json.JSONDecodeError, ValidationFailed) as exc:
                    refused += 1
                    self.stderr.write(f"line {number}: {_why(exc)}")
                if len(batch) == IMPORT_MAX:
                    done, failed = self._import(admin, batch)
                    imported, refused, batch = imported + done, refused + failed, []
        if batch:
            done, failed = self._import(admin, batch)
            imported, refused = imported + done, refused + failed
        self.stdout.write(f"{imported} cases imported, {refused} refused")
        if refused:
            raise CommandError("Some cases were refused; see above. The others are imported.")

    def _import(self, admin: User, batch: list[tuple[int, Any]]) -> tuple[int, int]:
        """One call of at most IMPORT_MAX cases: all or none; a refused call names its lines."""
        try:
            import_cases(admin, [case for _, case in batch])
        except ValidationFailed as exc:
            lines: dict[int, list[str]] = {}
            for name, text in exc.fields.items():
                index, _, field = name.removeprefix("cases.").partition(".")
                lines.setdefault(batch[int(index)][0] if index.isdigit() else 0, []).append(f"{field}: {text}")
            for number, texts in sorted(lines.items()):
                self.stderr.write(f"line {number}: {'; '.join(texts)}")
            # The lines without errors go in again on their own.
            good = [(n, c) for n, c in batch if n not in lines]
            if good and len(good) < len(batch):
                done, failed = self._import(admin, good)
                return done, len(batch) - len(good) + failed
            return 0, len(batch)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        return len(batch), 0


def _why(exc: Exception) -> str:
    if isinstance(exc, ValidationFailed):
        return "; ".join(f"{k}: {v}" for k, v in exc.fields.items()) or exc.message
    return f"not JSON ({exc})"
