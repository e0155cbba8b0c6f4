"""Memory of the ledger export over 100,000 reports (goal: under 200 MB).

Makes a scratch PostgreSQL database, migrates it, inserts N reports in SQL, then exports all of them through
the HTTP endpoint in this process and prints the peak resident memory against the process's memory before
the export (the reference, measured in the same run). Usage: python -m bench.export [N]
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import sys
import time

os.environ.setdefault("APP_ENV", "test")

import httpx

from app.core import migrate
from app.core.database import Database
from app.core.settings import Settings
from app.main import create_app
from bench._harness import driver_execute
from tests.support import pg


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


SEED = """
INSERT INTO areas (id, code, name, level, parent_id, path, created_at, updated_at) VALUES
 (1, '511923000000', '平昌县', 'county', NULL, '/1/', now(), now()),
 (2, '511923001000', '江口街道', 'town', 1, '/1/2/', now(), now()),
 (3, '511923001001', '石垭社区', 'village', 2, '/1/2/3/', now(), now());
INSERT INTO staff_accounts (id, username, password_hash, display_name, role, area_id, is_active, created_at, updated_at)
 VALUES (1, 'bench', '{hash}', 'bench', 'admin', 1, true, now(), now());
INSERT INTO reports (kind, category_id, description, is_anonymous, is_public, channel, town_id, village_id, status,
  submitted_at, respond_due_at, resolve_due_at, escalation_level, reopen_count, held_for_review, key_supervision,
  version, created_at, updated_at, ledger_no, address)
SELECT 'problem', 1 + (g % 8), '村口路灯坏了，晚上出行不便，请尽快维修 #' || g, false, false, 'miniprogram', 2, 3,
  (ARRAY['submitted','accepted','assigned','in_progress','resolved','closed'])[1 + g % 6],
  now() - (g || ' minutes')::interval, now(), now() + interval '1 day', 0, 0, false, false, 1, now(), now(),
  'SP' || g, '石垭社区' || (g % 50) || '组'
FROM generate_series(1, {n}) AS g;
"""


async def main(n: int) -> None:
    from app.core.security import hash_password

    logging.disable(logging.INFO)

    admin = pg.base_url()
    name = f"ssp_bench_export_{os.getpid()}"
    await pg.admin_execute(admin, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    url = pg.with_database(admin, name)
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        db = Database(url)
        async with db.engine.begin() as conn:
            await driver_execute(conn, SEED.format(n=n, hash=hash_password("bench-password")))
        app = create_app(Settings(app_env="test", database_url=url), db)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://b", timeout=600
        ) as c:
            token = await c.post(
                "/api/v1/auth/token", data={"username": "bench", "password": "bench-password"}
            )
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            before = _current_rss_mb()
            started = time.perf_counter()
            size = 0
            async with c.stream("GET", "/api/v1/reports/export.xlsx", headers=headers) as res:
                res.raise_for_status()
                async for block in res.aiter_bytes():
                    size += len(block)
            elapsed = time.perf_counter() - started
        peak = _peak_rss_mb()
        await db.dispose()
        print(f"export of {n} reports: {size / 1e6:.1f} MB xlsx in {elapsed:.1f} s")
        print(
            f"peak RSS {peak:.0f} MB; before the export {before:.0f} MB; growth {peak - before:.0f} MB "
            f"(goal: peak under 200 MB)"
        )
    finally:
        await pg.drop(admin, name)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
