"""Report submissions per second (one photo already uploaded) against a bare one-row insert, in one run.

Goal: submit throughput ≥ 0.3 x the reference, and p99 < 300 ms at a steady 100 requests/s.

Makes a scratch PostgreSQL database and migrates it, starts the fake WeChat server (msg_sec_check answers
"pass") and the app under uvicorn in subprocesses, seeds villagers who each uploaded one photo, then:
  1. closed loop, C concurrent clients for D seconds: POST /bench/reference (parse JSON, insert one row,
     commit) and POST /mp/v1/reports (idempotency key, content check, daily limit, photo, timeline, outbox);
  2. open loop at R requests/s for D seconds on POST /mp/v1/reports: latency percentiles.
Usage: python -m bench.report_submit [--concurrency 16] [--seconds 10] [--rate 100] [--villagers 200]
       [--workers 1] [--client-procs 1]
The load comes from bench/_load.py (raw HTTP/1.1 on uvloop, tens of microseconds a request): httpx,
used before, cost the client a few ms a request, so the cheap reference endpoint was limited by the
client (about 230 requests/s here) and the ratio came out too kind.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from concurrent.futures import ProcessPoolExecutor
from typing import Any

os.environ.setdefault("APP_ENV", "test")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789")

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from app.http.deps import SessionDep
from app.main import create_app
from bench import _load as load
from bench._harness import CpuMeter, free_port, pct, reference_beside, start_server, wait_up
from miniprogram_api.router import router as miniprogram_router
from tests.support import pg

REFERENCE_TABLE = "CREATE TABLE bench_reference (id bigserial PRIMARY KEY, body jsonb, at timestamptz)"


def bench_app() -> FastAPI:
    """The real app plus one bare endpoint: the floor any JSON-in, row-out request pays."""
    application = create_app()

    @application.post("/bench/reference", status_code=201)
    async def reference(body: dict[str, Any], session: SessionDep) -> dict[str, int]:
        row_id = await session.scalar(
            text("INSERT INTO bench_reference (body, at) VALUES (CAST(:b AS jsonb), now()) RETURNING id"),
            {"b": json.dumps(body, ensure_ascii=False)},
        )
        await session.commit()
        return {"id": int(row_id or 0)}

    reference_beside(application, miniprogram_router)
    return application


SEED = """
INSERT INTO areas (id, code, name, level, parent_id, path, created_at, updated_at) VALUES
 (1, '511923000000', '平昌县', 'county', NULL, '/1/', now(), now()),
 (2, '511923001000', '江口街道', 'town', 1, '/1/2/', now(), now()),
 (3, '511923001001', '石垭村', 'village', 2, '/1/2/3/', now(), now());
SELECT setval('areas_id_seq', 3);
"""


async def _seed(base: str, url: str, n: int) -> list[dict[str, str]]:
    """n villagers of 石垭村, signed in (in the database: the fake's login codes are single-use and
    made per test), each having uploaded the same photo through the API (stored once)."""
    from datetime import timedelta

    from app.core.clock import utcnow
    from app.core.database import Database
    from app.core.settings import get_settings
    from app.villagers import service as villagers_service
    from tests.miniprogram import photos

    policy = villagers_service.TokenPolicy(get_settings().secret_key, timedelta(hours=2), timedelta(days=1))
    db = Database(url)
    tokens = []
    async with db.sessionmaker() as session:
        for i in range(n):
            identity = villagers_service.WeChatIdentity(openid=f"o-bench-{i}", session_key="sk")
            signed = await villagers_service.sign_in(session, identity=identity, policy=policy, now=utcnow())
            signed.villager.home_village_id = 3
            tokens.append(signed.tokens.access_token)
        await session.commit()
    await db.dispose()
    photo = photos.image("JPEG", size=(1280, 960))
    headers: list[dict[str, str]] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for token in tokens:
            h = {"Authorization": f"Bearer {token}"}
            up = await client.post("/mp/v1/media", headers=h, files={"file": ("p.jpg", photo, "image/jpeg")})
            up.raise_for_status()
            h["photo"] = str(up.json()["id"])
            headers.append(h)
    return headers


def _report_request(villager: dict[str, str]) -> tuple[dict[str, str], dict[str, Any]]:
    headers = {"Authorization": villager["Authorization"], "Idempotency-Key": uuid.uuid4().hex}
    body = {
        "kind": "problem",
        "category": "public_facilities",
        "description": "村口路灯坏了三天，晚上很黑，老人出门不方便",
        "photo_ids": [int(villager["photo"])],
        "location": {"lat": 31.5601, "lng": 107.1003, "coord_system": "gcj02", "address": "石垭村村口"},
    }
    return headers, body


def _wire(base: str, which: str, villagers: list[dict[str, str]], first: int, count: int) -> list[bytes]:
    """`count` requests, encoded; each submission with its own idempotency key."""
    path = "/bench/reference" if which == "reference" else "/mp/v1/reports"
    wire = []
    for i in range(first, first + count):
        headers, body = _report_request(villagers[i % len(villagers)])
        if which == "reference":
            headers = {}
        data = json.dumps(body, ensure_ascii=False).encode()
        wire.append(load.encode("POST", path, base=base, headers=headers, body=data))
    return wire


def _closed_loop_proc(args: tuple[str, str, list[dict[str, str]], int, float]) -> tuple[int, int, float]:
    base, which, villagers, concurrency, seconds = args
    wire = _wire(base, which, villagers, 0, int(seconds * 2000) + 500)  # more than can be sent in time
    tally = load.closed_loop(base, wire, concurrency=concurrency, seconds=seconds)
    return tally.done, tally.errors, tally.elapsed


def _closed_loop(
    pool: ProcessPoolExecutor,
    base: str,
    which: str,
    villagers: list[dict[str, str]],
    args: argparse.Namespace,
) -> tuple[float, int, int]:
    """Requests per second, failures and requests done, from P client processes with C/P clients each."""
    procs = args.client_procs
    share = [villagers[p::procs] for p in range(procs)]  # each process its own villagers
    jobs = [(base, which, share[p], max(1, args.concurrency // procs), args.seconds) for p in range(procs)]
    results = list(pool.map(_closed_loop_proc, jobs))
    elapsed = max(r[2] for r in results)
    done = sum(r[0] for r in results)
    return done / elapsed, sum(r[1] for r in results), done


def _start_fake() -> tuple[subprocess.Popen[str], dict[str, str]]:
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.wechat_server", "--open"], stdout=subprocess.PIPE, text=True
    )
    assert fake.stdout is not None
    return fake, json.loads(fake.stdout.readline())


async def main(args: argparse.Namespace) -> int:
    admin = pg.base_url()
    name = f"ssp_bench_{os.getpid()}"
    await pg.admin_execute(admin, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    url = pg.with_database(admin, name)
    procs: list[subprocess.Popen[str]] = []
    media_dir = tempfile.mkdtemp(prefix=f"{name}-media-")
    try:
        from app.core import migrate

        await asyncio.to_thread(migrate.upgrade, url)
        dsn = url.replace("postgresql+asyncpg://", "postgresql://")
        await pg.admin_execute(dsn, SEED, REFERENCE_TABLE)

        fake, overrides = _start_fake()
        procs.append(fake)
        port = free_port()
        env = dict(
            os.environ,
            DATABASE_URL=url,
            LOG_LEVEL="WARNING",
            MEDIA_DIR=media_dir,
            MP_DAILY_REPORT_LIMIT="1000",
            MP_PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
            SCHEDULER_ENABLED="false",
            **{k.upper(): v for k, v in overrides.items() if k != "base_url"},
        )
        procs.append(start_server("bench.report_submit:bench_app", port, env, args.workers))
        meter = CpuMeter(server=procs[-1].pid, fake=fake.pid)
        base = f"http://127.0.0.1:{port}"
        await wait_up(base + "/healthz")
        villagers = await _seed(base, url, args.villagers)

        with ProcessPoolExecutor(args.client_procs, mp_context=multiprocessing.get_context("spawn")) as pool:
            warm = argparse.Namespace(**{**vars(args), "seconds": 1.0})
            _closed_loop(pool, base, "reference", villagers, warm)  # warm-up: connections, caches
            _closed_loop(pool, base, "submit", villagers, warm)
            before = meter.read()
            ref_rps, ref_err, ref_done = _closed_loop(pool, base, "reference", villagers, args)
            middle = meter.read()
            sub_rps, sub_err, sub_done = _closed_loop(pool, base, "submit", villagers, args)
            after = meter.read()
        wire = _wire(base, "submit", villagers, 0, int(args.rate * args.seconds))
        tally = await asyncio.to_thread(load.open_loop, base, wire, rate=args.rate)
        latencies, open_err = tally.latencies_ms, tally.errors

        result: dict[str, Any] = {
            "reference_rps": round(ref_rps, 1),
            "submit_rps": round(sub_rps, 1),
            "ratio": round(sub_rps / ref_rps, 3),
            "closed_loop_errors": ref_err + sub_err,
            "cpu_ms_per_request": {
                "reference": CpuMeter.per_request_ms(before, middle, ref_done),
                "submit": CpuMeter.per_request_ms(middle, after, sub_done),
            },
            f"open_loop_{args.rate:g}rps": {
                "requests": len(latencies),
                "errors": open_err,
                "errors_by": tally.failed,
                "p50_ms": round(statistics.median(latencies), 1),
                "p95_ms": round(pct(latencies, 95), 1),
                "p99_ms": round(pct(latencies, 99), 1),
                "max_ms": round(max(latencies), 1),
            },
            "settings": vars(args),
        }
        print(json.dumps(result, ensure_ascii=False, indent=2))
        ok = result["ratio"] >= 0.3 and result[f"open_loop_{args.rate:g}rps"]["p99_ms"] < 300 and not open_err
        print("goal met" if ok else "goal NOT met")
        return 0 if ok else 1
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(media_dir, ignore_errors=True)
        await pg.drop(admin, name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--villagers", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--client-procs", type=int, default=1, help="load-generating processes (closed loop)")
    raise SystemExit(asyncio.run(main(parser.parse_args())))
