"""The scheduler's moral-bank jobs: the nightly reconciliation records its findings in its run and warns
on drift; the quarterly job suggests pool changes for the quarter just ended."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select, text

from app.jobs.models import JobRun
from app.points.models import PoolSuggestion
from scheduler.jobs import JOBS
from scheduler.runner import run_once
from tests.points.conftest import accepted_report


async def test_the_nightly_reconciliation_records_drift_in_its_run(session, database, settings, bank, caplog):
    await accepted_report(session, bank, grade=2)
    await session.commit()
    clean = await run_once(
        JOBS["points-reconcile"], database=database, settings=settings, now=datetime.now(UTC)
    )
    assert clean.counts == {"balance": 0, "award_without_event": 0, "reversal": 0, "redemption": 0}
    await session.execute(
        text("UPDATE points_accounts SET balance = balance + 1 WHERE villager_id = :v"),
        {"v": bank.villager.id},
    )
    await session.commit()
    with caplog.at_level(logging.WARNING, logger="suishoupai.points"):
        drift = await run_once(
            JOBS["points-reconcile"], database=database, settings=settings, now=datetime.now(UTC)
        )
    assert drift.counts["balance"] == 1
    run = await session.get(JobRun, drift.run_id)
    assert run is not None and run.outcome == "succeeded"
    assert any(r.message == "points ledger drift" for r in caplog.records)


async def test_the_quarterly_job_suggests_for_the_quarter_just_ended(session, database, settings, bank):
    await session.commit()
    first_of_q1 = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)  # 2027-01-01 01:30 in Shanghai
    result = await run_once(
        JOBS["points-pool-suggest"], database=database, settings=settings, now=first_of_q1
    )
    assert result.counts["suggestions"] >= 1
    rows = (
        await session.scalars(select(PoolSuggestion).where(PoolSuggestion.village_id == bank.c.village.id))
    ).all()
    assert [(s.quarter, s.staff_id, s.change) for s in rows] == [("2026-Q4", bank.handler.id, "leave")]
