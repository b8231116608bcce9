"""D-1.2 as data: who may do what is asked of ``caredesk.accounts.access`` and nowhere else.

The test reads every module of the product and fails on a role check outside the access
module: a tuple, list or set of role names (a hand-made "these roles may" list), a
membership test on somebody's ``.roles``, or a call of a ``has_role`` helper. Lists of
roles given as data (``roles=[Role.CARE_AGENT]`` when a person is made) are fine.
"""

from __future__ import annotations

import ast
from pathlib import Path

from caredesk.accounts.models import Role

ROOT = Path(__file__).resolve().parents[2]  # the caredesk package
ALLOWED = {ROOT / "accounts" / "access.py", ROOT / "accounts" / "models.py"}
ROLE_NAMES = set(Role.values)


def _modules() -> list[Path]:
    return [
        p
        for p in sorted(ROOT.rglob("*.py"))
        if "tests" not in p.parts and "migrations" not in p.parts and p not in ALLOWED
    ]


def _is_role(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value in ROLE_NAMES
    # Role.CARE_AGENT and the like
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Role"


def role_checks(source: str) -> list[tuple[int, str]]:
    """(line, what) for each role check in ``source``."""
    tree = ast.parse(source)
    data: set[int] = set()  # ids of collection nodes passed as roles=… (data, not a check)
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "roles":
            data.add(id(node.value))
            for inner in ast.walk(node.value):
                data.add(id(inner))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set) and node.elts and id(node) not in data:
            if all(_is_role(e) for e in node.elts):
                found.append((node.lineno, "a collection of role names"))
        elif isinstance(node, ast.Compare) and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops):
            found.extend(
                (node.lineno, "a membership test on .roles")
                for right in node.comparators
                if isinstance(right, ast.Attribute) and right.attr == "roles"
            )
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "has_role":
            found.append((node.lineno, "a has_role() call"))
    return found


def test_no_module_checks_roles_outside_the_access_module() -> None:
    offences = [
        f"{path.relative_to(ROOT.parent)}:{line}: {what}"
        for path in _modules()
        for line, what in role_checks(path.read_text(encoding="utf-8"))
    ]
    assert not offences, "Ask caredesk.accounts.access.may()/require() instead:\n" + "\n".join(offences)


def test_the_checker_finds_each_kind_of_role_check() -> None:
    source = """
APPROVERS = ("care_agent", "care_manager")
def f(user):
    if "admin" in user.roles or user.has_role("tse"):
        return [Role.CARE_AGENT, Role.ADMIN]
"""
    assert sorted(role_checks(source)) == [
        (2, "a collection of role names"),
        (4, "a has_role() call"),
        (4, "a membership test on .roles"),
        (5, "a collection of role names"),
    ]


def test_roles_given_as_data_and_other_words_pass() -> None:
    source = """
make_user(roles=[Role.CARE_AGENT, Role.TEAM_LEAD])
make_user(roles=("care_agent",))
KINDS = ("admin", "technical")
if case.kind == "admin":
    pass
"""
    assert role_checks(source) == []
