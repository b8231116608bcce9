"""``caredesk import-orders FILE``: register units from a sales-order file (D-2.3)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from caredesk.core.errors import DomainError
from caredesk.installbase.orders import COLUMNS, import_orders, rejection_report


class Command(BaseCommand):
    help = f"Import sales-order lines from a CSV file with the columns {', '.join(COLUMNS)}."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file ('-' for standard input)")
        parser.add_argument("--report", type=Path, help="where to write the refused rows (default: FILE.rejected.csv)")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        from_stdin = str(path) == "-"
        if not from_stdin and not path.is_file():
            raise CommandError(f"No such file: {path}")
        total = 0 if from_stdin else path.stat().st_size
        started = time.monotonic()
        shown = [0.0]

        def progress(done: int) -> None:
            moment = time.monotonic()
            if options["quiet"] or moment - shown[0] < 0.25 and done < total:
                return
            shown[0] = moment
            if total:
                filled = int(30 * done / total)
                bar = "#" * filled + "." * (30 - filled)
                sys.stderr.write(f"\r  reading [{bar}] {100 * done / total:5.1f} %  {done / 1e6:8.1f} MB")
            else:
                sys.stderr.write(f"\r  reading {done / 1e6:8.1f} MB")
            sys.stderr.flush()

        try:
            if from_stdin:
                result = import_orders(sys.stdin.buffer, source="stdin", progress=progress)
            else:
                with path.open("rb") as stream:
                    result = import_orders(stream, source=path.name, progress=progress)
        except DomainError as exc:
            detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
            raise CommandError(f"{exc.message} {detail}".strip()) from exc
        if not options["quiet"]:
            sys.stderr.write("\n")
        summary = result.summary
        seconds = time.monotonic() - started
        rate = summary["rows"] / seconds if seconds > 0 else 0
        self.stdout.write(
            f"{summary['rows']} rows in {seconds:.1f} s ({rate:,.0f} rows/s): {summary['created']} created, "
            f"{summary['changed']} changed, {summary['unchanged']} unchanged, {summary['rejected']} refused"
        )
        if summary["rejected"]:
            report = options["report"] or Path(f"{path if not from_stdin else 'orders'}.rejected.csv")
            with report.open("w", encoding="utf-8", newline="") as out:
                for line in rejection_report(result.order_import):
                    out.write(line)
            self.stdout.write(f"refused rows and their reasons: {report}")
