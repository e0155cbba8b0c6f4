"""The calendar jobs on a generated county: the stored reports cover the right Asia/Shanghai periods,
health reports and letter drafts follow the monthly analysis, announcements go through the outbox,
and running a job again for the same period writes nothing new."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.analysis import cycle
from app.analysis.models import HealthReport, ImmutableRecord, PeriodReport, ReminderLetter, ReportKind
from app.analysis.periods import parse_period
from app.audit.service import Actor
from app.categories.models import Category
from app.jobs.models import Trigger
from app.notifications.models import Notification
from scheduler.jobs import JOBS
from scheduler.runner import run_once
from tests.analysis.county import (
    MONTHLY_SLOT,
    NOV_START,
    TZ,
    GenCounty,
    boundary_reports,
    make_report,
    overdue_key_item,
)


async def _count(session, model, *conditions) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)


async def _run(database, settings, name: str, slot: datetime, *, trigger: Trigger = Trigger.schedule):
    result = await run_once(
        JOBS[name], database=database, settings=settings, now=slot, trigger=trigger, slot=slot
    )
    assert result.outcome == "succeeded", result.error
    return result


def _local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


async def test_the_monthly_job_stores_november_with_its_units_letters_and_announcements(
    session, database, settings, county: GenCounty
):
    last_of_november, first_of_december = await boundary_reports(session, county)
    key_item = await overdue_key_item(session, county, now=MONTHLY_SLOT)
    result = await _run(database, settings, "calendar-monthly", MONTHLY_SLOT)

    report = await session.scalar(select(PeriodReport).where(PeriodReport.kind == "monthly"))
    assert report is not None
    assert (report.period_key, report.version, report.generated_by) == ("2026-11", 1, "job")
    assert (report.period_start, report.period_end) == (date(2026, 11, 1), date(2026, 12, 1))
    november = [r for r in county.reports if NOV_START <= r.submitted_at < _local(2026, 12, 1)]
    assert last_of_november in november and first_of_december not in november
    totals = report.analysis["current"]["county"]
    assert totals["received"] == len(november)
    # Only the 23:59:59 report is still awaiting review in November; the midnight one is December's.
    assert totals["awaiting_response"] == 1
    assert totals["resolved_on_time"] == sum(
        1 for r in november if r.resolved_at is not None and r.resolved_at <= r.resolve_due_at
    )
    assert report.analysis["previous"]["period"] == "2026-10"

    # A health report per town, village, department and handler, each announced to its staff.
    units = 2 + 6 + 2 + 6
    assert await _count(session, HealthReport) == units
    village = await session.scalar(
        select(HealthReport).where(
            HealthReport.unit_kind == "village", HealthReport.unit_id == county.villages[1].id
        )
    )
    assert village is not None and village.town_id == county.towns[0].id
    assert [i["ledger_no"] for i in village.overdue] == [key_item.ledger_no]
    assert village.indicators["received"] == sum(1 for r in november if r.village_id == county.villages[1].id)
    assert village.peers == 6 and village.rank is not None

    # Letters: the badly performing village (bottom and under 80%), the village with a late key item.
    letters = {
        row.unit_id: row
        for row in (
            await session.scalars(select(ReminderLetter).where(ReminderLetter.period_key == "2026-11"))
        ).all()
    }
    bad = letters[county.bad_village.id]
    assert bad.status == "draft" and bad.drafted_by == "job"
    assert {r["code"] for r in bad.reasons} >= {"on_time_rate", "bottom_rank"}
    assert "低于80%的要求" in bad.body and bad.title.startswith(f"关于{county.bad_village.name}2026年11月")
    late = letters[county.villages[1].id]
    assert [r["code"] for r in late.reasons if r["code"] == "key_supervision_overdue"] == [
        "key_supervision_overdue"
    ]
    assert key_item.ledger_no in late.body

    # The outbox: the period report to the county and both town supervisors, health reports to units.
    announced = (
        await session.scalars(select(Notification.staff_id).where(Notification.kind == "period_report"))
    ).all()
    assert sorted(announced) == sorted([county.sup_county.id, *[s.id for s in county.sup_town.values()]])
    to_secretary = await _count(
        session,
        Notification,
        Notification.kind == "health_report",
        Notification.staff_id == county.secretary[county.villages[1].id].id,
    )
    assert to_secretary == 1
    assert result.counts["reports"] == 1 and result.counts["health_reports"] == units
    assert result.counts["letters_drafted"] == len(letters)


async def test_running_the_monthly_job_again_writes_no_duplicate(
    session, database, settings, county: GenCounty
):
    await _run(database, settings, "calendar-monthly", MONTHLY_SLOT)
    before = [await _count(session, m) for m in (PeriodReport, HealthReport, ReminderLetter, Notification)]
    # The same slot is skipped by the runner; a run by hand an hour later recomputes and finds no change.
    again = await run_once(
        JOBS["calendar-monthly"], database=database, settings=settings, now=MONTHLY_SLOT, slot=MONTHLY_SLOT
    )
    assert again.outcome == "skipped"
    by_hand = await run_once(
        JOBS["calendar-monthly"], database=database, settings=settings, now=MONTHLY_SLOT + timedelta(hours=1)
    )
    assert by_hand.outcome == "succeeded" and by_hand.counts["reports"] == 0
    assert by_hand.counts["health_reports"] == 0 and by_hand.counts["letters_drafted"] == 0
    after = [await _count(session, m) for m in (PeriodReport, HealthReport, ReminderLetter, Notification)]
    assert after == before


async def test_changed_figures_make_a_new_version_and_leave_the_old_one_as_it_was(
    session, settings, county: GenCounty
):
    period = parse_period("2026-11")
    first, _ = await cycle.run_period(
        session,
        kind=ReportKind.monthly,
        period=period,
        settings=settings,
        actor=Actor.system("t"),
        now=MONTHLY_SLOT,
    )
    assert first is not None
    stored = dict(first.analysis)
    late = next(r for r in county.reports if r.rating == "unsatisfied" and NOV_START <= r.submitted_at)
    late.rating = "satisfied"  # a late re-rating after the report was published
    await session.flush()
    second, counts = await cycle.run_period(
        session,
        kind=ReportKind.monthly,
        period=period,
        settings=settings,
        actor=Actor.system("t"),
        now=MONTHLY_SLOT,
    )
    assert second is not None and counts["reports"] == 1
    assert (first.version, second.version) == (1, 2) and first.id != second.id
    assert second.content_hash != first.content_hash
    await session.refresh(first)
    assert first.analysis == stored
    assert second.analysis["current"]["county"]["satisfied"] == stored["current"]["county"]["satisfied"] + 1


async def test_stored_reports_cannot_be_changed(session, settings, county: GenCounty):
    report, _ = await cycle.run_period(
        session,
        kind=ReportKind.monthly,
        period=parse_period("2026-11"),
        settings=settings,
        actor=Actor.system("t"),
        now=MONTHLY_SLOT,
        with_units=True,
    )
    assert report is not None
    health = await session.scalar(select(HealthReport).limit(1))
    assert health is not None
    for row, column, value in ((report, "content_hash", "0" * 64), (health, "rank", 99)):
        with pytest.raises(ImmutableRecord):
            async with session.begin_nested():
                setattr(row, column, value)
                await session.flush()
    assert await _count(session, PeriodReport, PeriodReport.content_hash == "0" * 64) == 0
    assert await _count(session, HealthReport, HealthReport.rank == 99) == 0


async def test_weekly_and_quarterly_jobs_close_the_period_before_their_slot(
    session, database, settings, county: GenCounty
):
    await _run(database, settings, "calendar-weekly", _local(2026, 11, 30, 0, 15))
    await _run(database, settings, "calendar-quarterly", _local(2027, 1, 1, 0, 35))
    weekly = await session.scalar(select(PeriodReport).where(PeriodReport.kind == "weekly"))
    quarterly = await session.scalar(select(PeriodReport).where(PeriodReport.kind == "quarterly"))
    assert weekly is not None and quarterly is not None
    assert (weekly.period_key, weekly.period_start, weekly.period_end) == (
        "2026-W48",
        date(2026, 11, 23),
        date(2026, 11, 30),
    )
    week_start, week_end = _local(2026, 11, 23), _local(2026, 11, 30)
    assert weekly.analysis["current"]["county"]["received"] == sum(
        1 for r in county.reports if week_start <= r.submitted_at < week_end
    )
    assert quarterly.period_key == "2026-Q4"
    assert quarterly.analysis["current"]["county"]["received"] == len(county.reports)
    # Neither writes health reports or letters: those follow the monthly analysis.
    assert await _count(session, HealthReport) == 0 and await _count(session, ReminderLetter) == 0


async def test_a_report_at_2359_on_31_march_is_in_the_first_quarters_bulletin(
    session, database, settings, county
):
    category = await session.scalar(select(Category).where(Category.kind == "problem").limit(1))
    v = county.villages[2]
    for moment in (_local(2026, 3, 31, 23, 59), _local(2026, 4, 1, 0, 0)):
        await make_report(
            session,
            village=v,
            category=category,
            submitted=moment,
            outcome="on_time",
            handler=county.handler[v.id],
            department=None,
        )
    await session.flush()
    await _run(database, settings, "calendar-quarterly", _local(2026, 4, 1, 0, 35))
    q1 = await session.scalar(select(PeriodReport).where(PeriodReport.kind == "quarterly"))
    assert q1 is not None and q1.period_key == "2026-Q1"
    assert q1.analysis["current"]["county"]["received"] == 1


async def test_the_jobs_do_nothing_before_a_county_exists(database, settings, session):
    assert await session.scalar(select(func.count()).select_from(PeriodReport)) == 0
    result = await _run(database, settings, "calendar-monthly", MONTHLY_SLOT)
    assert result.counts == {"reports": 0, "announced": 0}
    assert await _count(session, PeriodReport) == 0
