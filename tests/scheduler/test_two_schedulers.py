"""Two scheduler processes run sla-scan at the same moments over the same data: every step is taken once.

`runner` is how they really run (the job's advisory lock lets one scan, the other skips or finds nothing);
`raw` drops the lock, so the two scans truly race and only the claims in sla_rungs keep them apart.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.core.database import Database
from app.notifications.models import Notification
from app.reports.models import Report, TimelineEvent
from app.reports.workflow import Action
from app.sla.models import SlaRung
from app.supervision.models import SupervisionOrder
from tests.factories import NOW
from tests.scheduler._support import HOUR, MIN, act, make_village, submit

MOMENTS = [NOW + 30 * MIN, NOW + 24 * HOUR, NOW + 48 * HOUR]


async def _seed(database: Database) -> dict[str, list[int]]:
    async with database.sessionmaker() as session:
        v = await make_village(session)
        groups: dict[str, list[int]] = {"unreviewed": [], "escalated": [], "assigned": []}
        for i in range(24):
            report = await submit(session, v)
            if i % 3 == 1:
                await act(session, report, Action.accept, at=NOW + 10 * MIN)
                await act(session, report, Action.escalate, at=NOW + HOUR, department_id=v.c.department.id)
                groups["escalated"].append(report.id)
            elif i % 3 == 2:
                await act(session, report, Action.accept, at=NOW + 10 * MIN)
                await act(session, report, Action.assign, at=NOW + 11 * MIN, assignee_staff_id=v.handler.id)
                groups["assigned"].append(report.id)
            else:
                groups["unreviewed"].append(report.id)
        await session.commit()
    return groups


async def _start_twin(url: str, mode: str) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.scheduler._scan_proc",
        url,
        mode,
        "0.5",
        ",".join(m.isoformat() for m in MOMENTS),
        "3",  # batches of three: the two scans interleave and fight over the same rows
        env=dict(os.environ, APP_ENV="test"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), timeout=60)
    assert line.strip() == b"ready", line
    return proc


async def _result(proc: asyncio.subprocess.Process) -> list[dict[str, object]]:
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, err.decode()[-2000:]
    result: list[dict[str, object]] = json.loads(out.decode().strip().splitlines()[-1])
    return result


async def _race(url: str, mode: str) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    twins = await asyncio.gather(_start_twin(url, mode), _start_twin(url, mode))
    for proc in twins:  # both are up and waiting: go
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
    await asyncio.gather(*(p.stdin.drain() for p in twins if p.stdin))
    a, b = await asyncio.gather(*(_result(p) for p in twins))
    return a, b


@pytest.mark.parametrize("mode", ["runner", "raw"])
async def test_two_processes_never_take_a_step_twice(fresh_db, mode):
    database = Database(fresh_db.url)
    try:
        groups = await _seed(database)
        a, b = await _race(fresh_db.url, mode)

        # Between them, the two did each step exactly once.
        done: Counter[str] = Counter()
        for passes in (a, b):
            for p in passes:
                done.update(p["counts"])  # type: ignore[arg-type]
        unreviewed, escalated, total = len(groups["unreviewed"]), len(groups["escalated"]), 24
        assert (done["respond"], done["town"], done["county"]) == (unreviewed, total, total)
        if mode == "runner":
            for i in range(len(MOMENTS)):
                outcomes = sorted(str(passes[i]["outcome"]) for passes in (a, b))
                assert outcomes in (["skipped", "succeeded"], ["succeeded", "succeeded"]), outcomes

        async with database.sessionmaker() as session:
            rungs = Counter((await session.scalars(select(SlaRung.rung))).all())
            assert rungs == {"respond": unreviewed, "town": total, "county": total}
            orders = (
                await session.execute(
                    select(SupervisionOrder.report_id, func.count()).group_by(SupervisionOrder.report_id)
                )
            ).all()
            assert len(orders) == total and {n for _, n in orders} == {1}
            levels = dict((await session.execute(select(Report.id, Report.escalation_level))).all())
            assert {levels[i] for i in groups["escalated"]} == {2}
            assert {levels[i] for i in groups["unreviewed"] + groups["assigned"]} == {1}
            timeline = Counter(
                (
                    await session.scalars(
                        select(TimelineEvent.action).where(
                            TimelineEvent.action.in_(("sla_respond", "sla_town", "key_supervision"))
                        )
                    )
                ).all()
            )
            assert timeline == {"sla_respond": unreviewed, "sla_town": total, "key_supervision": total}
            # cadre + secretary per unreviewed report; the secretary and the town supervisor for each,
            # plus the department for the escalated ones; the county supervisor per order.
            sent = await session.scalar(
                select(func.count()).select_from(Notification).where(Notification.dedupe_key.like("sla:%"))
            )
            assert sent == 2 * unreviewed + 2 * total + escalated + total
            assert done["notified"] == sent
    finally:
        await database.dispose()
