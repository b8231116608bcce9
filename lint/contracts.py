"""A contract type for import-linter: interfaces reach a domain app through its facade.

Each domain app lists the modules it offers to the interfaces (its facade: ``models``,
``services``, ``queries`` …). An interface module (API, portal, console, CLI, demo) that
imports any other module of the app (``caredesk.installbase.orders``, a part of the
``caredesk.cases.services`` package …) breaks the contract. Because the list says what is
allowed, not what is forbidden, a new internal module is protected the day it is written.

Configured in ``pyproject.toml``::

    [[tool.importlinter.contracts]]
    type = "facade"
    importers = ["caredesk.api", …]
    facades = ["caredesk.cases: models services queries events", …]
"""

from __future__ import annotations

from typing import Any

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


class FacadeContract(Contract):
    type_name = "facade"

    importers = fields.ListField(subfield=fields.StringField())
    facades = fields.ListField(subfield=fields.StringField())

    def _public(self) -> dict[str, set[str]]:
        apps: dict[str, set[str]] = {}
        for line in self.facades:  # type: ignore[attr-defined]
            app, _, names = str(line).partition(":")
            apps[app.strip()] = {f"{app.strip()}.{name}" for name in names.split()}
        return apps

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        apps = self._public()
        broken: list[dict[str, Any]] = []
        for top in self.importers:  # type: ignore[attr-defined]
            for importer in sorted({str(top), *graph.find_descendants(str(top))}):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    app = next((a for a in apps if imported == a or imported.startswith(a + ".")), None)
                    if app is None or imported == app or imported in apps[app]:
                        continue
                    lines = [d["line_number"] for d in graph.get_import_details(importer=importer, imported=imported)]
                    broken.append({"importer": importer, "imported": imported, "app": app, "lines": lines})
        return ContractCheck(kept=not broken, warnings=None, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        apps = self._public()
        for link in check.metadata["broken"]:
            offered = ", ".join(sorted(m.rsplit(".", 1)[-1] for m in apps[link["app"]]))
            output.print_error(
                f"- {link['importer']} -> {link['imported']} (l.{', '.join(map(str, link['lines']))}): "
                f"{link['app']} offers {offered}",
                bold=False,
            )
            output.new_line()
