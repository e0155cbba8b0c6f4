"""The handler pool per quarter: rankings inside each team, suggestions by the documented rule, decided by
the village secretary (audited), and the jobs that make suggestions and reconcile the ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.audit.service import Actor
from app.core.errors import Conflict, NotFound
from app.points import handler_pool
from app.points.ledger import Holder
from app.points.models import PoolSuggestion
from app.points.quarters import Quarter
from tests import factories
from tests.points.conftest import TZ, grant

Q4 = Quarter(2026, 4)
IN_Q4 = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


def test_ranking_shares_a_rank_on_equal_points():
    ranked = handler_pool.rank_by_points([(1, "a", 5), (2, "b", 9), (3, "c", 5), (4, "d", 0)])
    assert [(pid, rank) for pid, _n, _p, rank in ranked] == [(2, 1), (1, 2), (3, 2), (4, 4)]


async def _staff_points(session, staff_id: int, amount: int, now: datetime) -> None:
    from app.points import adjustments

    await adjustments.adjust(
        session, holder=Holder(staff_id=staff_id), amount=amount, reason="办结", actor=Actor.system(), now=now
    )


async def test_rankings_and_suggestions_follow_the_rule_and_run_once_per_quarter(session, bank):
    c = bank.c
    busy = await factories.staff(session, role="handler", area=c.village, team="legal_aide")
    idle = await factories.staff(session, role="handler", area=c.grid, team="legal_aide")
    await _staff_points(session, busy.id, 12, IN_Q4)
    await _staff_points(session, idle.id, 9, IN_Q4 - timedelta(days=60))  # last quarter: does not count
    await _staff_points(session, bank.handler.id, 3, IN_Q4)
    keen = [await factories.villager(session, village=c.village) for _ in range(5)]
    for i, v in enumerate(keen):
        await grant(session, v.id, 20 + 10 * i, now=IN_Q4)  # 20, 30, 40, 50, 60

    teams = await handler_pool.ranking(session, village_id=c.village.id, quarter=Q4, tz=TZ)
    assert [(m.staff_id, m.points, m.rank) for m in teams["legal_aide"]] == [
        (busy.id, 12, 1),
        (idle.id, 0, 2),
    ]
    assert [m.staff_id for m in teams["volunteer"]] == [bank.handler.id] and teams["technician"] == []

    assert await handler_pool.suggest(session, quarter=Q4, now=IN_Q4, tz=TZ, village_id=c.village.id) == 4
    assert await handler_pool.suggest(session, quarter=Q4, now=IN_Q4, tz=TZ, village_id=c.village.id) == 0
    found = await handler_pool.suggestions(session, village_id=c.village.id, quarter=Q4)
    leave = [(s.staff_id, s.team) for s in found if s.change == "leave"]
    join = [(s.villager_id, s.points, s.rank) for s in found if s.change == "join"]
    assert leave == [(idle.id, "legal_aide")]
    assert join == [(keen[4].id, 60, 1), (keen[3].id, 50, 2), (keen[2].id, 40, 3)]


async def test_the_village_secretary_confirms_a_leave_and_declines_a_join(session, bank):
    idle = await factories.staff(session, role="handler", area=bank.c.village, team="technician")
    keen = await factories.villager(session, village=bank.c.village)
    await grant(session, keen.id, 80, now=IN_Q4)
    await handler_pool.suggest(session, quarter=Q4, now=IN_Q4, tz=TZ, village_id=bank.c.village.id)
    found = {
        s.change: s
        for s in await handler_pool.suggestions(session, village_id=bank.c.village.id, quarter=Q4)
        if s.staff_id == idle.id or s.villager_id == keen.id
    }
    secretary = Actor(kind="staff", id=bank.secretary.id, role="village_secretary")
    with pytest.raises(NotFound):
        await handler_pool.decide(
            session,
            suggestion_id=found["leave"].id,
            village_id=bank.c.other_village.id,
            confirm=True,
            note=None,
            actor=secretary,
            now=IN_Q4,
        )
    done = await handler_pool.decide(
        session,
        suggestion_id=found["leave"].id,
        village_id=bank.c.village.id,
        confirm=True,
        note="本季未办结工单",
        actor=secretary,
        now=IN_Q4,
    )
    assert done.status == "confirmed" and done.decided_by_id == bank.secretary.id
    await session.refresh(idle)
    assert idle.team is None and idle.is_active
    declined = await handler_pool.decide(
        session,
        suggestion_id=found["join"].id,
        village_id=bank.c.village.id,
        confirm=False,
        note=None,
        actor=secretary,
        now=IN_Q4,
    )
    assert declined.status == "declined"
    with pytest.raises(Conflict):
        await handler_pool.decide(
            session,
            suggestion_id=found["join"].id,
            village_id=bank.c.village.id,
            confirm=True,
            note=None,
            actor=secretary,
            now=IN_Q4,
        )
    await session.flush()
    audited = (
        await session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("points.pool.%")))
    ).all()
    assert sorted(audited) == ["points.pool.confirm", "points.pool.decline"]


async def test_the_console_review_shows_teams_and_suggestions(client, session, bank):
    await handler_pool.suggest(session, quarter=Q4, now=IN_Q4, tz=TZ, village_id=bank.c.village.id)
    headers = await factories.staff_token(client, bank.secretary)
    res = await client.get("/api/v1/points/handler-pool/2026-Q4", headers=headers)
    assert res.status_code == 200, res.text
    body = res.json()
    assert [t["team"] for t in body["teams"]] == ["local_elite", "legal_aide", "technician", "volunteer"]
    [suggestion] = body["suggestions"]
    assert (suggestion["staff_id"], suggestion["change"]) == (bank.handler.id, "leave")
    res = await client.post(
        f"/api/v1/points/handler-pool/suggestions/{suggestion['id']}/confirm",
        headers=headers,
        json={"note": "同意"},
    )
    assert res.status_code == 200 and res.json()["status"] == "confirmed"
    row = await session.get(PoolSuggestion, suggestion["id"])
    assert row is not None and row.note == "同意"
