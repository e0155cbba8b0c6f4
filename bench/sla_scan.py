"""One sla-scan over 10,000 and over 1,000,000 stored reports with the same 1,000 due.

    .venv/bin/python -m bench.sla_scan [--small 10000] [--large 1000000] [--due 1000] [--repeats 3]

Goal: the large scan takes at most 1.5x the small one (the scan costs what is due, not what is stored),
and under 2 seconds. Each size gets a scratch PostgreSQL database (TEST_DATABASE_URL's server, default
postgres@127.0.0.1) cloned from one migrated template. The due reports are 45% past the response limit,
45% past the handling limit, 10% due for the county rung (their town rung already reached: in the
county's figures key supervision orders are under 1% of reports, so this is generous); besides
them both sizes hold the same backlog of 500 open, overdue reports whose rungs were all reached already
(the scan must skip them by index, not by reading them), and the rest is what a county mostly stores:
closed reports (96%), resolved ones awaiting a rating (2%), open ones inside their limits (2%). The timed
pass runs through the runner (lock, job_runs row) like the scheduler's, on `--repeats` fresh copies of
each seeded database (the median is reported), after a throwaway warm-up run; a second pass over the
same data shows the cost of a scan with nothing due.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import time
from datetime import UTC, datetime

os.environ.setdefault("APP_ENV", "test")

from app import models as _models  # noqa: F401
from app.core import migrate
from app.core.database import Database
from app.core.settings import Settings
from bench._harness import driver_execute
from scheduler.jobs import JOBS
from scheduler.runner import run_once
from tests import factories
from tests.support import pg

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
BACKLOG = 500

REPORTS = """
INSERT INTO reports (id, kind, category_id, description, is_anonymous, is_public, channel, town_id,
  village_id, status, submitted_at, respond_due_at, resolve_due_at, accepted_at, resolved_at, closed_at,
  assignee_staff_id, escalation_level, reopen_count, held_for_review, key_supervision, version,
  created_at, updated_at)
SELECT g, 'problem', {category}, '路灯坏了 #' || g, false, false, 'miniprogram', {town}, {village},
  s.status, s.submitted, s.submitted + interval '30 minutes', s.resolve_due,
  CASE WHEN s.status <> 'submitted' THEN s.submitted + interval '10 minutes' END,
  CASE WHEN s.status IN ('resolved', 'closed') THEN s.submitted + interval '5 hours' END,
  CASE WHEN s.status = 'closed' THEN s.submitted + interval '2 days' END,
  CASE WHEN s.status IN ('assigned', 'resolved', 'closed') THEN {handler} END,
  s.level, 0, false, s.level > 0 AND g > {county_due_end}, 1, s.submitted, s.submitted
FROM generate_series(1, {n}) AS g
CROSS JOIN (SELECT '{now}'::timestamptz AS ts) AS clock
CROSS JOIN LATERAL (
  SELECT * FROM (VALUES
    -- due: past the response limit / past the handling limit / due for the county rung
    (g <= {respond_end}, 'submitted', ts - interval '35 minutes', ts + interval '23 hours 25 minutes', 0),
    (g > {respond_end} AND g <= {town_end}, 'assigned', ts - interval '24 hours 5 minutes',
      ts - interval '5 minutes', 0),
    (g > {town_end} AND g <= {county_due_end}, 'assigned', ts - interval '48 hours 5 minutes',
      ts - interval '24 hours 5 minutes', 1),
    -- the backlog: open and overdue, every rung already reached
    (g > {county_due_end} AND g <= {backlog_end}, 'assigned', ts - interval '100 hours',
      ts - interval '76 hours', 1),
    -- the rest
    (g > {backlog_end} AND g % 100 < 96, 'closed', ts - (g || ' minutes')::interval,
      ts - (g || ' minutes')::interval + interval '24 hours', 0),
    (g > {backlog_end} AND g % 100 IN (96, 97), 'resolved', ts - interval '7 hours',
      ts + interval '17 hours', 0),
    (g > {backlog_end} AND g % 100 >= 98, 'submitted', ts - interval '5 minutes',
      ts + interval '23 hours 55 minutes', 0)
  ) AS v(hit, status, submitted, resolve_due, level)
  WHERE hit
) AS s;
SELECT setval('reports_id_seq', {n});
INSERT INTO sla_rungs (report_id, rung, deadline_at, reached_at)
SELECT id, 'town', resolve_due_at, resolve_due_at FROM reports WHERE id > {town_end} AND id <= {backlog_end};
INSERT INTO sla_rungs (report_id, rung, deadline_at, reached_at)
SELECT id, 'county', resolve_due_at, resolve_due_at + interval '1 day' FROM reports
WHERE id > {county_due_end} AND id <= {backlog_end};
"""


async def _people(database: Database) -> dict[str, int]:
    async with database.sessionmaker() as session:
        c = await factories.county(session)
        for role, area in (
            ("intake_cadre", c.village),
            ("village_secretary", c.village),
            ("supervisor", c.town),
            ("supervisor", c.county),
        ):
            await factories.staff(session, role=role, area=area)
        handler = await factories.staff(session, role="handler", area=c.village, team="technician")
        category = await factories.category(session)
        await session.commit()
        return {"town": c.town.id, "village": c.village.id, "handler": handler.id, "category": category.id}


async def _seed(url: str, n: int, due: int) -> None:
    database = Database(url)
    try:
        ids = await _people(database)
        respond_end, town_end = due * 45 // 100, due * 90 // 100
        sql = REPORTS.format(
            n=n,
            now=NOW.isoformat(),
            respond_end=respond_end,
            town_end=town_end,
            county_due_end=due,
            backlog_end=due + BACKLOG,
            **ids,
        )
        async with database.engine.begin() as conn:
            await driver_execute(conn, sql)
        async with database.engine.connect() as conn:
            await driver_execute(conn, "VACUUM ANALYZE")
    finally:
        await database.dispose()


async def _scan_once(url: str) -> tuple[float, float, dict[str, int]]:
    settings = Settings(app_env="test", database_url=url)
    database = Database(url)
    try:
        started = time.perf_counter()
        result = await run_once(JOBS["sla-scan"], database=database, settings=settings, now=NOW)
        scan = time.perf_counter() - started
        started = time.perf_counter()
        idle = await run_once(JOBS["sla-scan"], database=database, settings=settings, now=NOW)
        idle_scan = time.perf_counter() - started
    finally:
        await database.dispose()
    assert result.outcome == "succeeded", result.error
    assert not any(idle.counts.get(k) for k in ("respond", "town", "county")), idle.counts
    return scan, idle_scan, result.counts


async def _measure(admin: str, template: str, n: int, due: int, repeats: int) -> dict[str, object]:
    """Seed one database of this size, then time the scan on `repeats` fresh copies of it."""
    seeded_db = await pg.clone(admin, template)
    try:
        started = time.perf_counter()
        await _seed(pg.with_database(admin, seeded_db), n, due)
        seeded = time.perf_counter() - started
        scans, idles = [], []
        counts: dict[str, int] = {}
        for _ in range(repeats):
            copy = await pg.clone(admin, seeded_db)
            try:
                scan, idle, counts = await _scan_once(pg.with_database(admin, copy))
            finally:
                await pg.drop(admin, copy)
            scans.append(scan)
            idles.append(idle)
        stepped = sum(counts.get(k, 0) for k in ("respond", "town", "county"))
        assert stepped == due, counts
        return {
            "reports": n,
            "due": due,
            "seconds": round(statistics.median(scans), 3),
            "seconds_each": [round(x, 3) for x in scans],
            "idle_pass_seconds": round(statistics.median(idles), 3),
            "counts": counts,
            "seed_seconds": round(seeded, 1),
        }
    finally:
        await pg.drop(admin, seeded_db)


async def run(args: argparse.Namespace) -> dict[str, object]:
    logging.disable(logging.INFO)
    admin = pg.base_url()
    template = f"ssp_bench_sla_tpl_{os.getpid()}"
    await pg.admin_execute(admin, f'DROP DATABASE IF EXISTS "{template}"', f'CREATE DATABASE "{template}"')
    try:
        await asyncio.to_thread(migrate.upgrade, pg.with_database(admin, template))
        # Warm this process (statement caches, mappers) on a throwaway run, so neither size pays for it.
        await _measure(admin, template, 2_000, 100, 1)
        small = await _measure(admin, template, args.small, args.due, args.repeats)
        large = await _measure(admin, template, args.large, args.due, args.repeats)
    finally:
        await pg.drop(admin, template)
    ratio = float(large["seconds"]) / float(small["seconds"])  # type: ignore[arg-type]
    return {
        "small": small,
        "large": large,
        "ratio_large_to_small": round(ratio, 2),
        "goal_ratio_at_most_1_5": ratio <= 1.5,
        "goal_large_under_2_seconds": float(large["seconds"]) < 2.0,  # type: ignore[arg-type]
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=3, help="fresh copies timed per size (median)")
    print(json.dumps(asyncio.run(run(parser.parse_args())), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
