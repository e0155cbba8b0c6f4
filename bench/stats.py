"""The monthly and quarterly analysis (`analyse()`) over 1,000,000 reports (goal: month under 5 s, 500 MB).

    .venv/bin/python -m bench.stats [--reports 1000000] [--repeats 3]

Builds a scratch PostgreSQL database (TEST_DATABASE_URL's server, default postgres@127.0.0.1) from the
migrations and fills it in SQL (INSERT ... SELECT generate_series): a county of 8 towns, 400 villages,
48 town departments, 800 handlers, 200,000 villagers and N reports over the 12 months of 2026 — 80%
problems, the rest praise and alerts; every status, with responses around the 30-minute limit, resolutions
around the 24-hour one, extensions, ratings, reopens, 1% key supervision, 85% from a villager (so repeats
by reporter), 90% with coordinates near their village (repeats by place). It then times `analyse()` for
November (a month: the period and the previous one, every unit kind, rankings, categories, trend) and for
Q4, the median of `--repeats` runs after a warm-up, and prints the peak RSS of this process
(resource.getrusage) against its RSS before the first analysis. The reference, measured in the same run,
is a bare `SELECT village_id, count(*) ... GROUP BY village_id` over the same month; the ratio says what
the analysis costs in "month scans".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import resource
import statistics
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

os.environ.setdefault("APP_ENV", "test")

from sqlalchemy import func, select

from app import models as _models  # noqa: F401
from app.analysis.indicators import period_condition
from app.analysis.periods import parse_period
from app.analysis.snapshot import analyse
from app.core import migrate
from app.core.database import Database
from app.reports.models import Report
from bench._harness import driver_execute
from tests.support import pg

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2027, 1, 5, 2, 0, tzinfo=UTC)
TOWNS, VILLAGES_PER_TOWN, DEPARTMENTS_PER_TOWN, HANDLERS_PER_VILLAGE = 8, 50, 6, 2
VILLAGERS = 200_000

SEED = """
SELECT setseed(0.42);
INSERT INTO areas (id, code, name, level, parent_id, path, created_at, updated_at)
VALUES (1, '511923000000', '平昌县', 'county', NULL, '/1/', now(), now());
INSERT INTO areas (id, code, name, level, parent_id, path, created_at, updated_at)
SELECT 1 + t, '511923' || lpad(t::text, 3, '0') || '000', '镇' || t, 'town', 1, '/1/' || (1 + t) || '/', now(), now()
FROM generate_series(1, {towns}) t;
INSERT INTO areas (id, code, name, level, parent_id, path, created_at, updated_at)
SELECT 100 + v, '511923' || lpad((1 + (v - 1) / {vpt})::text, 3, '0') || lpad(v::text, 3, '0'), '村' || v,
  'village', 2 + (v - 1) / {vpt}, '/1/' || (2 + (v - 1) / {vpt}) || '/' || (100 + v) || '/', now(), now()
FROM generate_series(1, {villages}) v;
SELECT setval('areas_id_seq', 100 + {villages});
INSERT INTO departments (id, town_id, code, name, created_at, updated_at)
SELECT d, 2 + (d - 1) / {dpt}, 'dept' || d, '部门' || d, now(), now() FROM generate_series(1, {departments}) d;
SELECT setval('departments_id_seq', {departments});
INSERT INTO staff_accounts (id, username, password_hash, display_name, role, area_id, team, is_active,
  created_at, updated_at)
SELECT h, 'handler' || h, 'x', '办理人员' || h, 'handler', 100 + 1 + (h - 1) / {hpv}, 'volunteer', true, now(), now()
FROM generate_series(1, {handlers}) h;
SELECT setval('staff_accounts_id_seq', {handlers});
INSERT INTO villagers (id, mp_openid, oa_following, created_at, updated_at)
SELECT i, 'bench-' || i, false, now(), now() FROM generate_series(1, {villagers}) i;
SELECT setval('villagers_id_seq', {villagers});

CREATE TEMP TABLE gen AS
SELECT g,
  1 + floor(random() * {villages})::int AS v,
  CASE WHEN random() < 0.8 THEN 1 + floor(random() * 8)::int ELSE 9 + floor(random() * 6)::int END AS cat,
  timestamptz '2025-12-31 16:00:00+00' + random() * interval '365 days' AS submitted,
  random() AS rs, random() AS rr, random() AS rv, random() AS rm, random() AS ra,
  random() AS gx, random() AS gy
FROM generate_series(1, {n}) g;

INSERT INTO reports (id, kind, category_id, description, lat, lng, coord_system, is_anonymous, is_public, channel,
  town_id, village_id, reporter_villager_id, status, submitted_at, respond_due_at, resolve_due_at, accepted_at,
  resolved_at, closed_at, assignee_staff_id, department_id, escalation_level, reopen_count, reject_reason,
  close_reason, rating, held_for_review, key_supervision, version, created_at, updated_at)
SELECT g, c.kind, c.id, '生成的反映 #' || g,
  CASE WHEN gx < 0.9 THEN 31.0 + (v % 20) * 0.05 + gy * 0.02 END,
  CASE WHEN gx < 0.9 THEN 106.0 + (v / 20) * 0.05 + gx * 0.022 END,
  CASE WHEN gx < 0.9 THEN 'gcj02' END,
  false, false, 'miniprogram',
  2 + (v - 1) / {vpt}, 100 + v,
  CASE WHEN ra < 0.85 THEN 1 + floor(ra / 0.85 * {villagers})::int END,
  s.status, submitted, submitted + interval '30 minutes',
  CASE WHEN c.kind = 'problem' THEN submitted + CASE WHEN rm < 0.1 THEN interval '72 hours' ELSE interval '24 hours' END END,
  CASE WHEN s.accepted THEN submitted + rr * interval '60 minutes' END,
  CASE WHEN s.resolved THEN submitted + rr * interval '60 minutes' + rv * interval '40 hours' END,
  CASE WHEN s.status IN ('closed', 'published', 'forwarded') THEN submitted + interval '3 days'
       WHEN s.status = 'rejected' THEN submitted + rr * interval '60 minutes' END,
  CASE WHEN s.assigned AND rm >= 0.25 THEN 1 + (v - 1) * {hpv} + (g % {hpv}) END,
  CASE WHEN s.assigned AND rm < 0.25 THEN 1 + ((v - 1) / {vpt}) * {dpt} + (g % {dpt}) END,
  CASE WHEN s.assigned AND rm < 0.25 THEN 1 ELSE 0 END,
  CASE WHEN s.status <> 'rejected' AND c.kind = 'problem' AND rs > 0.96 THEN 1 ELSE 0 END,
  CASE WHEN s.status = 'rejected' THEN 'invalid' END,
  CASE WHEN s.status = 'closed' THEN CASE WHEN rv < 0.8 THEN 'rated' ELSE 'no_response' END END,
  CASE WHEN s.status = 'closed' AND rv < 0.8 THEN CASE WHEN rv < 0.6 THEN 'satisfied' ELSE 'basically' END
       WHEN s.status = 'assigned' AND rs > 0.96 THEN 'unsatisfied' END,
  false, c.kind = 'problem' AND rm > 0.99, 1, submitted, submitted
FROM gen
JOIN categories c ON c.id = gen.cat
CROSS JOIN LATERAL (
  SELECT st AS status, st NOT IN ('submitted', 'rejected') AS accepted,
    st IN ('resolved', 'closed') AND c.kind = 'problem' AS resolved,
    c.kind = 'problem' AND st IN ('assigned', 'in_progress', 'resolved', 'closed') AS assigned
  FROM (SELECT CASE WHEN c.kind = 'problem' THEN
      CASE WHEN rs < 0.03 THEN 'submitted' WHEN rs < 0.08 THEN 'rejected' WHEN rs < 0.10 THEN 'accepted'
           WHEN rs < 0.15 THEN 'assigned' WHEN rs < 0.20 THEN 'in_progress' WHEN rs < 0.26 THEN 'resolved'
           WHEN rs < 0.96 THEN 'closed' ELSE 'assigned' END
    ELSE CASE WHEN rs < 0.05 THEN 'submitted' WHEN rs < 0.10 THEN 'rejected' WHEN rs < 0.5 THEN 'acknowledged'
           WHEN rs < 0.8 THEN 'published' ELSE 'forwarded' END
    END AS st) AS pick
) AS s;
SELECT setval('reports_id_seq', {n});
DROP TABLE gen;
"""


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


async def _seed(database: Database, n: int) -> None:
    villages = TOWNS * VILLAGES_PER_TOWN
    sql = SEED.format(
        n=n,
        towns=TOWNS,
        villages=villages,
        vpt=VILLAGES_PER_TOWN,
        dpt=DEPARTMENTS_PER_TOWN,
        departments=TOWNS * DEPARTMENTS_PER_TOWN,
        hpv=HANDLERS_PER_VILLAGE,
        handlers=villages * HANDLERS_PER_VILLAGE,
        villagers=VILLAGERS,
    )
    async with database.engine.begin() as conn:
        await driver_execute(conn, sql)
    async with database.engine.connect() as conn:
        await driver_execute(conn, "VACUUM ANALYZE")


async def _time(label: str, runs: int, call):
    seconds = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = await call()
        seconds.append(time.perf_counter() - started)
    return {
        "what": label,
        "seconds": round(statistics.median(seconds), 3),
        "each": [round(s, 3) for s in seconds],
    }, result


async def run(args: argparse.Namespace) -> dict[str, object]:
    logging.disable(logging.INFO)
    admin = pg.base_url()
    name = f"ssp_bench_stats_{os.getpid()}"
    await pg.admin_execute(admin, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    url = pg.with_database(admin, name)
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        database = Database(url)
        try:
            started = time.perf_counter()
            await _seed(database, args.reports)
            seeded = time.perf_counter() - started
            month, quarter = parse_period("2026-11"), parse_period("2026-Q4")
            async with database.sessionmaker() as session:
                reference_query = (
                    select(Report.village_id, func.count())
                    .where(period_condition(month, TZ))
                    .group_by(Report.village_id)
                )

                async def reference():
                    return (await session.execute(reference_query)).all()

                async def monthly():
                    return await analyse(session, month, tz=TZ, as_of=AS_OF)

                async def quarterly():
                    return await analyse(session, quarter, tz=TZ, as_of=AS_OF)

                # Warm-up: connection, statement caches, mappers, PostgreSQL's buffer cache.
                await analyse(session, parse_period("2026-06"), tz=TZ, as_of=AS_OF)
                await reference()
                rss_before = _current_rss_mb()
                ref, groups = await _time(
                    "reference: count(*) GROUP BY village_id over November", args.repeats, reference
                )
                mon, analysis = await _time("analyse(2026-11)", args.repeats, monthly)
                qua, q_analysis = await _time("analyse(2026-Q4)", args.repeats, quarterly)
                peak = _peak_rss_mb()
        finally:
            await database.dispose()
    finally:
        await pg.drop(admin, name)
    assert analysis is not None and q_analysis is not None and groups is not None
    county = analysis.current.county
    return {
        "reports": args.reports,
        "seed_seconds": round(seeded, 1),
        "november": {
            "received": county.received,
            "repeat_complaints": county.repeat_complaints,
            "on_time_rate": round(county.on_time_rate or 0, 4),
            "villages_with_reports": len(groups),
            "units": {k.value: len(v) for k, v in analysis.current.units.items()},
        },
        "q4_received": q_analysis.current.county.received,
        "timings": [ref, mon, qua],
        "month_to_reference_ratio": round(mon["seconds"] / ref["seconds"], 1),
        "quarter_to_reference_ratio": round(qua["seconds"] / ref["seconds"], 1),
        "rss_before_mb": round(rss_before),
        "peak_rss_mb": round(peak),
        "goal_month_under_5_seconds": mon["seconds"] < 5.0,
        "goal_peak_under_500_mb": peak < 500,
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each (median)")
    print(json.dumps(asyncio.run(run(parser.parse_args())), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
