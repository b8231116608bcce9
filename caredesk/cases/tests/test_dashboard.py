"""The manager dashboard: response-target compliance by priority and week (D-4.1), open
breaches (D-4.3) and the backlog by age, on a console page and in the API, for managers,
over the cases they may see (D-1.3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from caredesk.cases import queries, services
from caredesk.core.errors import Forbidden
from tests.personas import World, admin_case

MONDAY_9_PST = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
LATER = MONDAY_9_PST + timedelta(days=9)  # Wednesday of the next week


def at(moment: datetime) -> Any:
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def history(world: World) -> None:
    """Week of 2 March: two P1 cases, one answered in time, one late; a P3 answered late.
    Week of 9 March: a P2 still within its target, a P1 never answered (breached), and a
    government P1, answered in time, which the uncleared manager does not see."""
    with at(MONDAY_9_PST):
        in_time, late, p3 = (admin_case(world.alice, priority=p) for p in ("P1", "P1", "P3"))
    with at(MONDAY_9_PST + timedelta(hours=1)):
        services.reply(world.agent, in_time.case_id, "On it.")
    with at(MONDAY_9_PST + timedelta(hours=5)):
        services.reply(world.agent, late.case_id, "Sorry for the wait.")
    with at(MONDAY_9_PST + timedelta(days=4)):
        services.reply(world.agent, p3.case_id, "Here it is.")
    with at(LATER - timedelta(hours=3)):
        admin_case(world.alice, priority="P2")
        admin_case(world.bob, priority="P1")
        gov = admin_case(world.gina, priority="P1")
        services.reply(world.cleared, gov.case_id, "Cleared agent here.")


def cell(board: queries.Dashboard, week: str, priority: str) -> tuple[int, int, float | None]:
    found = next(c for c in board.compliance if c["week"] == week and c["priority"] == priority)
    return found["met"], found["missed"], found["rate"]


def test_compliance_by_priority_and_week(world: World, history: None) -> None:
    board = queries.dashboard(world.manager, weeks=2, at=LATER)
    assert board.weeks == ["2026-03-02", "2026-03-09"]
    assert cell(board, "2026-03-02", "P1") == (1, 1, 50.0)
    assert cell(board, "2026-03-02", "P3") == (0, 1, 0.0)
    assert cell(board, "2026-03-09", "P1") == (0, 1, 0.0)  # the government case is not the manager's to see
    assert cell(board, "2026-03-09", "P2") == (0, 0, None)  # not yet due: not counted either way
    assert board.open_breaches == 1 and board.oldest_breaches[0].priority == "P1"


def test_the_backlog_by_age(world: World, history: None) -> None:
    board = queries.dashboard(world.manager, weeks=2, at=LATER)
    rows = {row["bucket"]: row for row in board.backlog}
    assert rows["< 1 day"]["total"] == 2 and rows["< 1 day"]["P2"] == 1
    assert rows["7–30 days"]["total"] == 3  # the three cases of the first week, still open


def test_only_managers_see_the_dashboard(api, client, world: World, history: None) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Forbidden):
        queries.dashboard(world.agent)
    assert api("alice").get("/dashboard").status_code == 403
    assert api("agent").get("/dashboard").status_code == 403
    with at(LATER):
        body = api("manager").get("/dashboard", weeks=2).json()
        client.force_login(world.manager)
        page = client.get("/console/dashboard/?weeks=2").content.decode()
    assert body["open_breaches"] == 1 and len(body["compliance"]) == 8
    assert {"week": "2026-03-02", "priority": "P1", "met": 1, "missed": 1, "rate": 50.0} in body["compliance"]
    assert "50.0 % · 1/2" in page and "Open breaches: 1" in page
    client.force_login(world.agent)
    assert client.get("/console/dashboard/").status_code == 404  # the console hides what one may not use


def test_the_kept_board_is_one_per_clearance(world: World, history: None) -> None:
    from caredesk.accounts import services as accounts
    from tests.personas import PASSWORD

    boss = accounts.create_user("boss@vendor.example", "Bo Boss", world.vendor, PASSWORD, roles=["care_manager"],
                                gov_cleared=True)  # fmt: skip
    with at(LATER):
        plain = queries.dashboard(world.manager, weeks=2)
        cleared = queries.dashboard(boss, weeks=2)
    assert cell(plain, "2026-03-09", "P1") == (0, 1, 0.0)
    assert cell(cleared, "2026-03-09", "P1") == (1, 1, 50.0)  # the government case answered in time
