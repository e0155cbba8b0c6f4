"""Transitions on PostgreSQL: status, deadlines, timeline and audit are written together, or nothing is."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.audit.service import Actor
from app.categories.models import SlaPolicy
from app.core.errors import IllegalTransition, InvalidInput
from app.reports import service
from app.reports.models import Report, TimelineEvent
from app.reports.workflow import Action
from tests import factories
from tests.factories import NOW

TZ = ZoneInfo("Asia/Shanghai")


async def _count(session, model, **where) -> int:
    stmt = select(func.count()).select_from(model)
    for k, v in where.items():
        stmt = stmt.where(getattr(model, k) == v)
    return int(await session.scalar(stmt) or 0)


async def test_submission_sets_deadlines_from_the_default_policy(session):
    c = await factories.county(session)
    report = await factories.report(session, village=c.village)
    assert report.status == "submitted"
    assert report.respond_due_at == NOW + timedelta(minutes=30)
    assert report.resolve_due_at == NOW + timedelta(hours=24)
    assert report.town_id == c.town.id
    assert await _count(session, TimelineEvent, report_id=report.id) == 1


async def test_deadlines_follow_the_categorys_own_policy(session):
    c = await factories.county(session)
    policy = SlaPolicy(code="urgent", name="紧急", respond_minutes=10, handle_hours=4)
    session.add(policy)
    await session.flush()
    category = await factories.category(session, "roads_traffic")
    category.sla_policy_id = policy.id
    await session.flush()
    report = await factories.report(session, village=c.village, category_code="roads_traffic")
    assert report.respond_due_at == NOW + timedelta(minutes=10)
    assert report.resolve_due_at == NOW + timedelta(hours=4)
    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    actor = Actor(kind="staff", id=cadre.id)
    later = NOW + timedelta(hours=1)
    for action, params in [
        (Action.accept, {}),
        (Action.assign, {"assignee_team": "volunteer"}),
        (Action.resolve, {"result": "已修"}),
    ]:
        await service.perform_action(
            session, report=report, action=action, actor=actor, now=later, tz=TZ, **params
        )
    await service.perform_action(
        session,
        report=report,
        action=Action.rate,
        actor=Actor(kind="villager"),
        now=later,
        tz=TZ,
        rating="unsatisfied",
    )
    assert report.status == "assigned" and report.reopen_count == 1
    assert report.resolve_due_at == later + timedelta(hours=4)


async def test_praise_has_a_response_limit_only(session):
    c = await factories.county(session)
    report = await factories.report(session, village=c.village, category_code="good_deed")
    assert report.kind == "praise"
    assert report.respond_due_at == NOW + timedelta(minutes=30)
    assert report.resolve_due_at is None


async def test_acceptance_writes_ledger_number_timeline_and_audit(session):
    c = await factories.county(session)
    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    report = await factories.report(session, village=c.village)
    actor = Actor(kind="staff", id=cadre.id, ip="10.1.2.3", request_id="req-1")
    await service.perform_action(session, report=report, action=Action.accept, actor=actor, now=NOW, tz=TZ)
    assert report.status == "accepted"
    assert report.ledger_no is not None and report.ledger_no.startswith("SP20261203-")
    assert report.accepted_by_id == cadre.id
    events = (
        await session.scalars(
            select(TimelineEvent).where(TimelineEvent.report_id == report.id).order_by(TimelineEvent.id)
        )
    ).all()
    assert [e.action for e in events] == ["submit", "accept"]
    assert report.ledger_no in events[-1].message
    audit = (await session.scalars(select(AuditEntry).where(AuditEntry.target_id == str(report.id)))).one()
    assert (audit.action, audit.actor_staff_id, audit.ip, audit.request_id) == (
        "report.accept",
        cadre.id,
        "10.1.2.3",
        "req-1",
    )
    assert audit.details["from"] == "submitted" and audit.details["to"] == "accepted"


async def test_ledger_day_follows_the_county_calendar_not_utc(session):
    c = await factories.county(session)
    report = await factories.report(session, village=c.village)
    # 2026-12-03 16:30 UTC is already 2026-12-04 00:30 in Asia/Shanghai.
    late = NOW.replace(hour=16, minute=30)
    await service.perform_action(
        session, report=report, action=Action.accept, actor=Actor(kind="system"), now=late, tz=TZ
    )
    assert report.ledger_no is not None and report.ledger_no.startswith("SP20261204-")


async def test_illegal_transition_changes_nothing(session):
    c = await factories.county(session)
    report = await factories.report(session, village=c.village)
    before = (
        report.status,
        report.version,
        await _count(session, TimelineEvent, report_id=report.id),
        await _count(session, AuditEntry),
    )
    with pytest.raises(IllegalTransition):
        await service.perform_action(
            session,
            report=report,
            action=Action.resolve,
            actor=Actor(kind="system"),
            now=NOW,
            tz=TZ,
            result="x",
        )
    with pytest.raises(InvalidInput):
        await service.perform_action(
            session,
            report=report,
            action=Action.reject,
            actor=Actor(kind="system"),
            now=NOW,
            tz=TZ,
            reason="bogus",
        )
    after = (
        report.status,
        report.version,
        await _count(session, TimelineEvent, report_id=report.id),
        await _count(session, AuditEntry),
    )
    assert before == after


async def test_a_stale_version_is_a_conflict(session):
    from app.core.errors import Conflict

    c = await factories.county(session)
    report = await factories.report(session, village=c.village)
    with pytest.raises(Conflict):
        await service.perform_action(
            session,
            report=report,
            action=Action.accept,
            actor=Actor(kind="system"),
            now=NOW,
            tz=TZ,
            expected_version=report.version + 1,
        )
    assert report.status == "submitted"


async def test_submission_refuses_a_grid_of_another_village(session):
    c = await factories.county(session)
    other_grid = await factories.area(session, level="grid", parent=c.other_village)
    with pytest.raises(InvalidInput) as err:
        await factories.report(session, village=c.village, grid=other_grid)
    assert err.value.field == "grid_id"
    assert await _count(session, Report) == 0


async def test_acceptance_lifts_the_hold_a_content_check_put_on_the_text(session):
    # msg_sec_check said "review" (or a chat report, which is always held): the cadre who accepts it
    # has read it, so the public feed may show it once it is made public; a rejected one stays held.
    c = await factories.county(session)
    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    actor = Actor(kind="staff", id=cadre.id)
    accepted = await factories.report(session, village=c.village)
    rejected = await factories.report(session, village=c.village)
    for report in (accepted, rejected):
        report.held_for_review = True
    await service.perform_action(session, report=accepted, action=Action.accept, actor=actor, now=NOW, tz=TZ)
    await service.perform_action(
        session, report=rejected, action=Action.reject, actor=actor, now=NOW, tz=TZ, reason="invalid"
    )
    assert accepted.held_for_review is False and rejected.held_for_review is True
