"""The quarterly payout XLSX for a generated quarter: hundreds of handovers across villages and towns, some
a second either side of the quarter's Asia/Shanghai bounds, some cancelled or not yet picked up. Reopened
with openpyxl, its sums match the ledger's debit entries exactly."""

from __future__ import annotations

import io
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.audit.service import Actor
from app.points import payout, redemptions
from app.points.models import PointsEntry
from app.points.quarters import Quarter
from tests import factories
from tests.points.conftest import TZ, grant, reward

Q4_START = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)  # 2026-10-01 00:00 in Shanghai
Q4_END = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # 2027-01-01 00:00 in Shanghai
SECOND = timedelta(seconds=1)


@dataclass
class Tally:
    people: set[int] = field(default_factory=set)
    n: int = 0
    points: int = 0
    fen: int = 0

    def add(self, person: int, points: int, fen: int) -> None:
        self.people.add(person)
        self.n += 1
        self.points += points
        self.fen += fen


def test_quarters_are_bounded_by_local_midnight():
    q = Quarter.parse("2026-Q4")
    assert q.bounds(TZ) == (Q4_START, Q4_END)
    assert Quarter.containing(Q4_END - SECOND, TZ) == q and Quarter.containing(Q4_END, TZ) == Quarter(2027, 1)
    assert Quarter.parse("2027-Q1").previous() == q and str(q) == "2026-Q4" and q.label == "2026年第四季度"


async def test_the_payout_workbook_matches_the_ledger(session):
    rng = random.Random(9)
    c = await factories.county(session)
    villages = [c.village, c.other_village, await factories.area(session, level="village", parent=c.town)]
    cadres = {
        v.id: Actor(kind="staff", id=(await factories.staff(session, role="intake_cadre", area=v)).id)
        for v in villages
    }
    town_of = {c.village.id: c.town.name, c.other_village.id: c.other_town.name, villages[2].id: c.town.name}
    expected: dict[int, Tally] = defaultdict(Tally)
    inside_ids: list[int] = []
    moments = [Q4_START - SECOND, Q4_START, Q4_END - SECOND, Q4_END]
    for village in villages:
        goods = [
            await reward(session, area_id=village.id, price=p, stock=500, value_fen=f, name=f"物资{p}")
            for p, f in ((5, 350), (12, 990), (30, 2575))
        ]
        goods.append(
            await reward(session, area_id=village.parent_id, price=8, stock=500, value_fen=600, name="镇物资")
        )
        for _ in range(20):
            person = await factories.villager(session, village=village)
            await grant(session, person.id, 400, now=Q4_START - timedelta(days=30))
            for _ in range(rng.randint(3, 7)):
                item = rng.choice(goods)
                placed = await redemptions.redeem(
                    session, villager=person, reward_id=item.id, now=Q4_START - timedelta(days=10)
                )
                fate = rng.random()
                if fate < 0.1:
                    await redemptions.cancel(
                        session,
                        redemption_id=placed.id,
                        villager_id=person.id,
                        actor=Actor.system(),
                        now=Q4_START + timedelta(days=1),
                    )
                    continue
                if fate < 0.15:
                    continue  # not picked up yet
                at = (
                    rng.choice(moments)
                    if fate < 0.3
                    else Q4_START + timedelta(seconds=rng.randint(0, 91 * 86400))
                )
                await redemptions.fulfil(
                    session,
                    village_id=village.id,
                    pickup_code=placed.pickup_code,
                    actor=cadres[village.id],
                    now=at,
                )
                if Q4_START <= at < Q4_END:
                    expected[village.id].add(person.id, item.points_price, item.value_fen)
                    inside_ids.append(placed.id)
    assert len(inside_ids) >= 200
    ledger_points = -int(
        await session.scalar(
            select(func.sum(PointsEntry.amount)).where(
                PointsEntry.redemption_id.in_(inside_ids), PointsEntry.reason == "redemption"
            )
        )
        or 0
    )

    county_staff = await factories.staff(session, role="admin", area=c.county)
    county_area = await session.get(type(c.county), county_staff.area_id)
    assert county_area is not None
    out = await payout.write_xlsx(session, quarter=Quarter.parse("2026-Q4"), tz=TZ, within=county_area)
    book = load_workbook(io.BytesIO(out.read()))
    summary = list(book["汇总"].iter_rows(min_row=3, values_only=True))
    *rows, total = summary
    names = {v.name: v.id for v in villages}
    assert len(rows) == len(expected)
    for town, village_name, people, n, points, value in rows:
        e = expected[names[village_name]]
        assert town == town_of[names[village_name]]
        assert (people, n, points) == (len(e.people), e.n, e.points)
        assert round(value * 100) == e.fen
    assert total[0] == "合计"
    assert total[4] == sum(r[4] for r in rows) == ledger_points == sum(e.points for e in expected.values())
    assert round(total[5] * 100) == sum(e.fen for e in expected.values())
    detail = list(book["明细"].iter_rows(min_row=2, values_only=True))
    assert len(detail) == len(inside_ids)
    assert sum(r[5] for r in detail) == ledger_points
    assert round(sum(r[6] for r in detail) * 100) == round(total[5] * 100)

    # A village secretary's file holds their village only.
    mine = await payout.totals(session, quarter=Quarter.parse("2026-Q4"), tz=TZ, within=c.village)
    assert [t.village for t in mine] == [c.village.name]
    assert mine[0].points == expected[c.village.id].points
