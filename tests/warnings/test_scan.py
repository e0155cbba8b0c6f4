"""A scan raises each warning once, grows it with its cluster, and sends bulletins to the right people."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.audit.service import Actor
from app.jobs.models import JobRun
from app.reports import service as reports_service
from app.reports.workflow import Action
from app.warnings import service
from app.warnings.models import WarningBulletin, WarningReport
from scheduler.jobs import JOBS
from scheduler.runner import run_once
from tests import factories
from tests.factories import NOW
from tests.warnings.conftest import HOUR, TZ_NAME, Offices, all_warnings, bulletins, repeats, scan


async def test_a_second_scan_creates_no_duplicate_warnings(session, offices: Offices):
    await repeats(session, offices)
    first = await scan(session)
    assert first["created"] == 1 and first["repeated"] == 1
    rows_before = len(await bulletins(session))
    again = await scan(session)
    later = await scan(session, NOW + 2 * HOUR)
    assert again["created"] == again["grown"] == 0 and later["created"] == later["grown"] == 0
    warnings = await all_warnings(session)
    assert len(warnings) == 1 and warnings[0].version == 1 and warnings[0].report_count == 3
    assert len(await bulletins(session)) == rows_before


async def test_a_grown_cluster_updates_its_warning_and_sends_a_new_bulletin(session, offices: Offices):
    reports = await repeats(session, offices)
    await scan(session)
    (warning,) = await all_warnings(session)
    fourth = await factories.report(
        session, village=offices.c.village, reporter=offices.reporter, description="路灯还是不亮", now=NOW
    )
    counts = await scan(session, NOW + HOUR)
    assert counts["grown"] == 1 and counts["created"] == 0
    (same,) = await all_warnings(session)
    assert same.id == warning.id and same.version == 2 and same.report_count == 4
    assert same.grown_at == NOW + HOUR and same.last_report_at == NOW
    versions = dict((await session.execute(select(WarningReport.report_id, WarningReport.version))).all())
    assert versions == {**{r.id: 1 for r in reports}, fourth.id: 2}
    keys = {n.dedupe_key for n in await bulletins(session)}
    assert f"warning_bulletin:{warning.id}:v2:s{offices.town_supervisor.id}" in keys
    assert "同一反映人4次" in same.title


async def test_bulletins_go_to_the_town_and_county_supervisors_with_the_ledger_numbers(
    session, offices: Offices
):
    reports = await repeats(session, offices)
    await reports_service.perform_action(
        session, report=reports[0], action=Action.accept, actor=Actor(kind="system"), now=NOW, tz=TZ_NAME
    )
    await scan(session)
    (warning,) = await all_warnings(session)
    sent = await bulletins(session)
    assert {n.staff_id for n in sent} == {offices.town_supervisor.id, offices.county_supervisor.id}
    payload = sent[0].payload
    assert payload["ledger_nos"] == [reports[0].ledger_no]
    assert payload["report_ids"] == [r.id for r in reports] and payload["count"] == 3
    assert payload["area"] == offices.c.village.name and payload["warning_id"] == warning.id
    links = (
        await session.scalars(select(WarningBulletin).where(WarningBulletin.warning_id == warning.id))
    ).all()
    assert {b.notification_id for b in links} == {n.id for n in sent}


async def test_a_decided_warning_is_not_reopened_new_reports_make_their_own(session, offices: Offices):
    await repeats(session, offices)
    await scan(session)
    (warning,) = await all_warnings(session)
    actor = Actor(kind="staff", id=offices.town_supervisor.id, role="supervisor")
    await service.acknowledge(session, warning=warning, note=None, actor=actor, now=NOW)
    one_more = await factories.report(session, village=offices.c.village, reporter=offices.reporter, now=NOW)
    assert (await scan(session, NOW + HOUR))["created"] == 0
    assert warning.version == 1 and warning.status == "acknowledged"
    newer = [
        one_more,
        *[
            await factories.report(
                session, village=offices.c.village, reporter=offices.reporter, now=NOW + i * HOUR
            )
            for i in (1, 2)
        ],
    ]
    assert (await scan(session, NOW + 3 * HOUR))["created"] == 1
    first, second = await all_warnings(session)
    listed = set(
        (
            await session.scalars(
                select(WarningReport.report_id).where(WarningReport.warning_id == second.id)
            )
        ).all()
    )
    assert first.id == warning.id and listed == {r.id for r in newer} and second.status == "open"


async def test_two_unrelated_issues_in_one_village_become_two_warnings(session, offices: Offices):
    lights = ["村口路灯不亮，晚上走路看不见", "村口的路灯坏了好几天了", "村口路灯一到晚上就不亮"]
    water = ["全村停水两天了，做饭洗衣都没水", "村里自来水停了两天", "连续两天停水，一滴水都没有"]
    for i, (a, b) in enumerate(zip(lights, water, strict=True)):
        for text in (a, b):
            person = await factories.villager(session, village=offices.c.village)
            await factories.report(
                session,
                village=offices.c.village,
                reporter=person,
                description=text,
                now=NOW - (i + 1) * HOUR,
            )
    counts = await scan(session)
    assert counts["concentrated"] == 2
    titles = sorted(w.title for w in await all_warnings(session))
    assert all("集中反映：3人反映3件" in t for t in titles)


async def test_the_job_runs_a_scan_and_records_its_counts(session, database, settings, offices: Offices):
    await repeats(session, offices)
    result = await run_once(JOBS["warning-scan"], database=database, settings=settings, now=NOW)
    assert result.outcome == "succeeded" and result.counts["created"] == 1 and result.counts["bulletins"] == 2
    run = await session.get(JobRun, result.run_id)
    assert run is not None and run.counts == result.counts
    assert JOBS["warning-scan"].every_seconds == settings.warning_scan_minutes * 60
    audit = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "warning.scan"))).all()
    assert len(audit) == 1 and audit[0].actor_type == "system"
