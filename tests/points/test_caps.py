"""Reporter caps: a flood of accepted reports earns at most the daily and monthly caps, each award still
recorded once (partial or 0), on the county's calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.audit.service import Actor
from app.points import caps, rules
from app.points.rules import RuleParams
from tests.factories import NOW
from tests.points.conftest import TZ, accepted_report, balance_of, entries_of


def test_the_cap_gives_what_is_left_and_never_less_than_nothing():
    p = RuleParams(reporter_daily_cap=30, reporter_monthly_cap=100)
    assert caps.apply(10, day_total=0, month_total=0, params=p) == caps.Capped(10, None)
    assert caps.apply(10, day_total=25, month_total=25, params=p) == caps.Capped(5, 10)
    assert caps.apply(10, day_total=30, month_total=30, params=p) == caps.Capped(0, 10)
    assert caps.apply(10, day_total=0, month_total=95, params=p) == caps.Capped(5, 10)
    assert caps.apply(10, day_total=40, month_total=40, params=p) == caps.Capped(0, 10)


def test_the_local_day_and_month_start_at_midnight_in_shanghai():
    day, month = caps.local_day_and_month(datetime(2026, 11, 30, 17, 0, tzinfo=UTC), TZ)  # 01:00 on 1 Dec
    assert (day.isoformat(), month.isoformat()) == ("2026-12-01T00:00:00+08:00", "2026-12-01T00:00:00+08:00")


async def test_the_daily_cap_holds_and_the_next_day_has_room_again(session, bank):
    p = (await rules.in_force(session, now=NOW)).params
    per_report = p.accepted_points[2]
    count = p.reporter_daily_cap // per_report + 2
    reports = [
        await accepted_report(session, bank, grade=3, now=NOW + timedelta(minutes=i)) for i in range(count)
    ]
    amounts = [(await entries_of(session, r.id))[0].amount for r in reports]
    assert sum(amounts) == p.reporter_daily_cap
    capped = [e for r in reports for e in await entries_of(session, r.id) if e.uncapped_amount is not None]
    assert capped and all(e.uncapped_amount == per_report and e.amount < per_report for e in capped)
    assert all("上限" in e.label for e in capped)
    # 23:59 local the same day is still capped; 00:00 local the next day is not.
    same_day = datetime(2026, 12, 3, 15, 59, tzinfo=UTC)
    late = await accepted_report(session, bank, grade=3, now=same_day)
    assert (await entries_of(session, late.id))[0].amount == 0
    next_day = await accepted_report(session, bank, grade=3, now=datetime(2026, 12, 3, 16, 0, tzinfo=UTC))
    assert (await entries_of(session, next_day.id))[0].amount == per_report
    assert await balance_of(session, villager_id=bank.villager.id) == p.reporter_daily_cap + per_report


async def test_the_monthly_cap_holds_across_days(session, bank):
    params = RuleParams(reporter_daily_cap=25, reporter_monthly_cap=60).model_dump()
    start = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 1 December, 00:00 local
    await rules.create_version(
        session,
        params=params,
        note="月上限 60",
        effective_from=None,
        actor=Actor.system(),
        now=start - timedelta(days=1),
    )
    total = 0
    for day in range(4):
        for i in range(3):
            r = await accepted_report(session, bank, grade=3, now=start + timedelta(days=day, hours=i + 1))
            total += (await entries_of(session, r.id))[0].amount
    assert total == 60
    assert await balance_of(session, villager_id=bank.villager.id) == 60
