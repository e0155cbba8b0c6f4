"""The lifecycle hook: who earns what on which step, once per awarding event, and what is taken back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.service import Actor
from app.core.errors import InvalidInput
from app.notifications.kinds import Kind
from app.notifications.models import Notification
from app.points import awarding, rules
from app.points.models import Reason
from app.reports.models import TimelineEvent
from app.reports.workflow import Action
from tests import factories
from tests.factories import NOW
from tests.points.conftest import (
    TZ,
    accepted_report,
    act,
    balance_of,
    entries_of,
    ledger_sum,
    resolved_report,
    staff_actor,
)


async def test_acceptance_awards_the_reporter_by_quality_grade(session, bank):
    report = await accepted_report(session, bank, grade=3)
    [entry] = await entries_of(session, report.id)
    first = await rules.in_force(session, now=NOW)
    assert (entry.amount, entry.reason) == (first.params.accepted_points[2], Reason.reporter_accepted.value)
    assert entry.rule_version_id == first.version_id and report.quality_grade == 3
    event = await session.get(TimelineEvent, entry.timeline_event_id)
    assert event is not None and (event.report_id, event.action) == (report.id, "accept")
    assert await balance_of(session, villager_id=bank.villager.id) == entry.amount
    notice = await session.scalar(select(Notification).where(Notification.dedupe_key == f"points:{entry.id}"))
    assert notice is not None and notice.kind == Kind.points_earned.value
    assert (notice.villager_id, notice.payload["points"], notice.payload["balance"]) == (
        bank.villager.id,
        entry.amount,
        entry.amount,
    )


async def test_acceptance_without_a_grade_uses_the_default_grade(session, bank):
    report = await accepted_report(session, bank)
    first = await rules.in_force(session, now=NOW)
    [entry] = await entries_of(session, report.id)
    assert report.quality_grade is None
    assert entry.amount == first.params.accepted_points[first.params.default_grade - 1]


async def test_an_awarding_event_retried_five_times_awards_once(session, bank):
    report = await accepted_report(session, bank, grade=2)
    before = await balance_of(session, villager_id=bank.villager.id)
    for _ in range(5):
        again = await awarding.on_report_transition(
            session,
            report=report,
            action=Action.accept,
            now=NOW,
            actor=staff_actor(bank.cadre),
            tz=TZ,
            params={},
        )
        assert again == []
    assert len(await entries_of(session, report.id)) == 1
    assert await balance_of(session, villager_id=bank.villager.id) == before == 5
    notices = await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.kind == Kind.points_earned.value, Notification.villager_id == bank.villager.id)
    )
    assert notices == 1


@pytest.mark.parametrize("grade", [0, 4, True, "2"])
async def test_a_quality_grade_outside_one_to_three_is_refused(session, bank, grade):
    report = await factories.report(session, village=bank.c.village, reporter=bank.villager)
    with pytest.raises(InvalidInput) as caught:
        await act(session, report, Action.accept, staff_actor(bank.cadre), quality_grade=grade)
    assert caught.value.field == "quality_grade"
    assert await entries_of(session, report.id) == []


async def test_rejected_and_duplicate_reports_earn_nothing(session, bank):
    cadre = staff_actor(bank.cadre)
    rejected = await factories.report(session, village=bank.c.village, reporter=bank.villager)
    await act(session, rejected, Action.reject, cadre, reason="invalid")
    original = await accepted_report(session, bank, grade=1)
    duplicate = await factories.report(session, village=bank.c.village, reporter=bank.villager)
    await act(session, duplicate, Action.mark_duplicate, cadre, duplicate_of_id=original.id)
    assert await entries_of(session, rejected.id) == [] and await entries_of(session, duplicate.id) == []


async def test_a_report_marked_duplicate_after_acceptance_gives_its_points_back(session, bank):
    original = await accepted_report(session, bank, grade=1)
    later = await accepted_report(session, bank, grade=3)
    balance = await balance_of(session, villager_id=bank.villager.id)
    await act(session, later, Action.mark_duplicate, staff_actor(bank.cadre), duplicate_of_id=original.id)
    award, reversal = await entries_of(session, later.id)
    assert (reversal.reason, reversal.reverses_id, reversal.amount) == ("reversal", award.id, -award.amount)
    assert await balance_of(session, villager_id=bank.villager.id) == balance - award.amount
    assert await ledger_sum(session, villager_id=bank.villager.id) == balance - award.amount


async def test_a_closed_case_awards_the_confirmation_bonus_and_the_handler(session, bank):
    report = await resolved_report(session, bank, grade=2)
    await act(session, report, Action.rate, Actor(kind="villager", id=bank.villager.id), rating="satisfied")
    p = (await rules.in_force(session, now=NOW)).params
    by_reason = {e.reason: e for e in await entries_of(session, report.id)}
    assert by_reason["reporter_confirmed"].amount == p.confirmed_bonus.problem
    handler = by_reason["handler_case"]
    assert handler.amount == p.handler_on_time + p.handler_rating.satisfied
    assert "按时" in handler.label and "满意" in handler.label
    assert await balance_of(session, staff_id=bank.handler.id) == handler.amount
    assert (
        await balance_of(session, villager_id=bank.villager.id)
        == p.accepted_points[1] + p.confirmed_bonus.problem
    )


async def test_a_late_case_closed_without_a_rating_earns_the_late_points(session, bank):
    report = await resolved_report(session, bank, late=True)
    assert report.resolved_at is not None
    await act(
        session,
        report,
        Action.close,
        Actor.system(),
        now=report.resolved_at + timedelta(days=7),
        reason="no_response",
    )
    p = (await rules.in_force(session, now=NOW)).params
    [handler] = [e for e in await entries_of(session, report.id) if e.reason == "handler_case"]
    assert handler.amount == p.handler_late + p.handler_rating.unrated
    assert "超时" in handler.label


async def test_a_reopened_case_gives_back_its_round_and_the_next_close_awards_again(session, bank):
    report = await resolved_report(session, bank)
    secretary = staff_actor(bank.secretary)
    await act(session, report, Action.close, secretary)
    first_round = await balance_of(session, staff_id=bank.handler.id)
    assert first_round > 0
    await act(session, report, Action.reopen, secretary, reason="回头看发现问题仍在")
    assert await balance_of(session, staff_id=bank.handler.id) == 0
    await act(
        session,
        report,
        Action.resolve,
        staff_actor(bank.handler),
        now=NOW + timedelta(hours=2),
        result="再次修好",
    )
    await act(session, report, Action.close, secretary, now=NOW + timedelta(hours=3))
    handler_entries = [e for e in await entries_of(session, report.id) if e.reason == "handler_case"]
    assert len(handler_entries) == 2
    assert await balance_of(session, staff_id=bank.handler.id) == handler_entries[1].amount
    assert await ledger_sum(session, staff_id=bank.handler.id) == handler_entries[1].amount


async def test_an_unsatisfied_rating_awards_nothing_until_the_case_is_closed(session, bank):
    report = await resolved_report(session, bank)
    await act(session, report, Action.rate, Actor(kind="villager", id=bank.villager.id), rating="unsatisfied")
    reasons = [e.reason for e in await entries_of(session, report.id)]
    assert reasons == ["reporter_accepted"]


async def test_praise_earns_on_acknowledgement_and_on_publication(session, bank):
    praise = await factories.report(
        session,
        village=bank.c.village,
        reporter=bank.villager,
        category_code="good_deed",
        description="王大爷修桥",
    )
    cadre = staff_actor(bank.cadre)
    await act(session, praise, Action.acknowledge, cadre, quality_grade=3)
    await act(session, praise, Action.publish, cadre)
    p = (await rules.in_force(session, now=NOW)).params
    amounts = [(e.reason, e.amount) for e in await entries_of(session, praise.id)]
    assert amounts == [
        ("reporter_accepted", p.accepted_points[2]),
        ("reporter_confirmed", p.confirmed_bonus.praise),
    ]


async def test_an_alert_forwarded_to_its_department_earns_the_alert_bonus(session, bank):
    alert = await factories.report(
        session,
        village=bank.c.village,
        reporter=bank.villager,
        category_code="safety_hazard",
        description="山体裂缝",
    )
    cadre = staff_actor(bank.cadre)
    await act(session, alert, Action.acknowledge, cadre)
    await act(session, alert, Action.forward, cadre, department_id=bank.c.department.id)
    p = (await rules.in_force(session, now=NOW)).params
    [_accepted, bonus] = await entries_of(session, alert.id)
    assert (bonus.reason, bonus.amount) == ("reporter_confirmed", p.confirmed_bonus.alert)


async def test_a_new_rule_version_computes_later_awards_and_old_entries_keep_theirs(session, bank):
    first = await accepted_report(session, bank, grade=1)
    params = rules.RuleParams().model_dump() | {"accepted_points": [7, 8, 9]}
    version = await rules.create_version(
        session,
        params=params,
        note="提高受理积分",
        effective_from=None,
        actor=Actor.system(),
        now=NOW + timedelta(minutes=1),
    )
    second = await accepted_report(session, bank, grade=1, now=NOW + timedelta(minutes=2))
    [old] = await entries_of(session, first.id)
    [new] = await entries_of(session, second.id)
    assert old.rule_version_id != version.id and old.amount == 2
    assert (new.rule_version_id, new.amount) == (version.id, 7)


async def test_rule_parameters_are_validated(session):
    with pytest.raises(InvalidInput) as caught:
        await rules.create_version(
            session,
            params={"accepted_points": [1, 2]},
            note="x",
            effective_from=None,
            actor=Actor.system(),
            now=NOW,
        )
    assert caught.value.field == "params.accepted_points"
    assert len(await rules.list_versions(session)) == 1


async def test_staff_reporters_earn_no_reporter_points(session, bank):
    grid = await factories.staff(session, role="grid_worker", area=bank.c.grid)
    report = await factories.report(session, village=bank.c.village)
    report.reporter_staff_id = grid.id
    await act(session, report, Action.accept, staff_actor(bank.cadre), quality_grade=3)
    assert await entries_of(session, report.id) == []
