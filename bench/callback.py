"""The Official Account callback (plaintext and AES) against a bare reference endpoint, in one run.

Goal: callback throughput ≥ 0.5 x the reference, and p99 < 100 ms at a steady 200 requests/s.

Makes a scratch PostgreSQL database and migrates it, seeds followers who have a home village, starts the
app under uvicorn on loopback (a subprocess), then:
  0. every follower's first message, which makes their report (not measured);
  1. closed loop, C concurrent clients in P client processes, D seconds per mode in interleaved
     rounds: POST /bench/reference (verify the signature, insert one row, commit), POST /wechat/oa in
     plaintext, and in safe (AES) mode. Every push is a text message with its own MsgId from one of the
     followers, so each is stored, deduplicated and handled: added to the follower's report (the
     chat-report path, with a passive reply);
  2. open loop at R requests/s for D seconds on each mode (the reference too, for scale): latency
     percentiles (arrivals on a fixed schedule, so a slow answer does not slow the arrivals).
Pushes are built (and AES-encrypted) before each phase, outside the measured time.
Usage: python -m bench.callback [--concurrency 16] [--seconds 10] [--rounds 5] [--rate 200]
       [--followers 500] [--client-procs 1] [--workers 1]
With --followers larger than the number of pushes (--followers 200000), every push makes a new report
(the heaviest path).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import secrets
import shutil
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

os.environ.setdefault("APP_ENV", "test")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789")

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy import text

from app.http.deps import SessionDep
from app.main import create_app
from bench import _load as load
from bench._harness import CpuMeter, free_port, pct, reference_beside, start_server, wait_up
from tests.support import pg
from wechat_callbacks.crypto import CallbackCrypto
from wechat_callbacks.routes import router as callbacks_router
from wechat_callbacks.signature import msg_signature, plain_signature, verify_plain_signature

TOKEN = "bench-callback-token"
AES_KEY = "H33wFVmg0tS+aSEKrRdamspwKI2nB4WcQQMeHNgIlTo"
APPID = "wxbench0000000001"
FIRST_MESSAGES_UP_TO = 20_000  # followers whose first messages are sent before the measured rounds
REFERENCE_TABLE = "CREATE TABLE bench_reference (id bigserial PRIMARY KEY, body text, at timestamptz)"
SEED = """
INSERT INTO areas (id, code, name, level, parent_id, path, created_at, updated_at) VALUES
 (1, '511923000000', '平昌县', 'county', NULL, '/1/', now(), now()),
 (2, '511923001000', '江口街道', 'town', 1, '/1/2/', now(), now()),
 (3, '511923001001', '石垭村', 'village', 2, '/1/2/3/', now(), now());
SELECT setval('areas_id_seq', 3);
INSERT INTO villagers (oa_openid, oa_following, home_village_id, created_at, updated_at)
 SELECT 'oBenchFollower' || lpad(g::text, 14, '0'), true, 3, now(), now() FROM generate_series(1, {n}) g;
"""


def bench_app() -> FastAPI:
    """The real app plus the reference: the floor any signed push that stores one row pays."""
    application = create_app()

    @application.post("/bench/reference")
    async def reference(request: Request, session: SessionDep) -> Response:
        q = request.query_params
        ok = verify_plain_signature(TOKEN, q.get("timestamp", ""), q.get("nonce", ""), q.get("signature", ""))
        if not ok:
            return PlainTextResponse("bad_signature", status_code=403)
        body = await request.body()
        await session.execute(
            text("INSERT INTO bench_reference (body, at) VALUES (:b, now())"), {"b": body.decode()}
        )
        await session.commit()
        return PlainTextResponse("success")

    reference_beside(application, callbacks_router)
    return application


# -- building pushes (in whichever process sends them) -----------------------------------------------


def _push(mode: str, follower: int, msgid: int) -> tuple[str, dict[str, str], bytes]:
    ts, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
    openid = f"oBenchFollower{follower:014d}"
    xml = (
        f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[村口路灯坏了，晚上很黑（{msgid % 1000}）]]></Content><MsgId>{msgid}</MsgId></xml>"
    )
    query = {
        "signature": plain_signature(TOKEN, ts, nonce),
        "timestamp": ts,
        "nonce": nonce,
        "openid": openid,
    }
    if mode == "reference":
        return "/bench/reference", query, xml.encode()
    if mode == "plain":
        return "/wechat/oa", query, xml.encode()
    crypto = CallbackCrypto(TOKEN, AES_KEY, APPID)
    encrypt = crypto.encrypt_payload(xml)
    query.update(encrypt_type="aes", msg_signature=msg_signature(TOKEN, ts, nonce, encrypt))
    body = f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    return "/wechat/oa", query, body.encode()


def _pushes(
    mode: str, count: int, followers: int, first_msgid: int
) -> list[tuple[str, dict[str, str], bytes]]:
    return [_push(mode, 1 + (first_msgid + i) % followers, first_msgid + i) for i in range(count)]


def _wire(base: str, pushes: list[tuple[str, dict[str, str], bytes]]) -> list[bytes]:
    return [
        load.encode("POST", path, base=base, query=query, body=body, content_type="text/xml")
        for path, query, body in pushes
    ]


def _closed_loop_proc(args: tuple[str, str, int, int, float, int, int]) -> tuple[int, int, float]:
    base, mode, followers, first_msgid, seconds, concurrency, budget = args
    wire = _wire(base, _pushes(mode, budget, followers, first_msgid))
    tally = load.closed_loop(base, wire, concurrency=concurrency, seconds=seconds)
    return tally.done, tally.errors, tally.elapsed


class _Ids:
    """MsgIds handed out in one run-wide sequence: every push is new, and the followers they come
    from (msgid modulo --followers) rotate across phases instead of starting over in each."""

    def __init__(self) -> None:
        self._next = 1

    def take(self, count: int) -> int:
        first, self._next = self._next, self._next + count
        return first


def _budget(args: argparse.Namespace) -> int:
    return int(args.seconds * 3000 / args.client_procs) + 1000  # more than a process can send in time


def _closed_loop(
    pool: ProcessPoolExecutor, base: str, mode: str, args: argparse.Namespace, ids: _Ids
) -> tuple[float, int, int]:
    """Requests per second, failures and requests done, over P client processes, each with C/P
    concurrent clients."""
    procs = args.client_procs
    budget = _budget(args)
    first_msgid = ids.take(budget * procs)
    jobs = [
        (
            base,
            mode,
            args.followers,
            first_msgid + p * budget,
            args.seconds,
            max(1, args.concurrency // procs),
            budget,
        )
        for p in range(procs)
    ]
    results = list(pool.map(_closed_loop_proc, jobs))
    done = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    elapsed = max(r[2] for r in results)
    return done / elapsed, errors, done


async def _counts(dsn: str) -> dict[str, int]:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        return {
            "inbound_messages": await conn.fetchval("SELECT count(*) FROM inbound_messages"),
            "handled": await conn.fetchval("SELECT count(*) FROM inbound_messages WHERE status = 'handled'"),
            "reports": await conn.fetchval("SELECT count(*) FROM reports"),
            "reference_rows": await conn.fetchval("SELECT count(*) FROM bench_reference"),
        }
    finally:
        await conn.close()


def _latency(tally: load.Tally) -> dict[str, Any]:
    latencies = tally.latencies_ms
    return {
        "requests": len(latencies),
        "errors": tally.errors,
        "errors_by": tally.failed,
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(pct(latencies, 95), 1),
        "p99_ms": round(pct(latencies, 99), 1),
        "max_ms": round(max(latencies), 1),
    }


async def main(args: argparse.Namespace) -> int:
    admin = pg.base_url()
    name = f"ssp_bench_cb_{os.getpid()}"
    await pg.admin_execute(admin, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    url = pg.with_database(admin, name)
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    media_dir = tempfile.mkdtemp(prefix=f"{name}-media-")
    server: subprocess.Popen[str] | None = None
    pool = ProcessPoolExecutor(max_workers=args.client_procs, mp_context=multiprocessing.get_context("spawn"))
    try:
        from app.core import migrate

        await asyncio.to_thread(migrate.upgrade, url)
        await pg.admin_execute(dsn, SEED.format(n=args.followers), REFERENCE_TABLE)
        port = free_port()
        env = dict(
            os.environ,
            DATABASE_URL=url,
            LOG_LEVEL="WARNING",
            MEDIA_DIR=media_dir,
            SCHEDULER_ENABLED="false",
            WECHAT_OA_TOKEN=TOKEN,
            WECHAT_OA_AES_KEY=AES_KEY,
            WECHAT_OA_APPID=APPID,
            WECHAT_OA_ALLOW_PLAINTEXT="true",
        )
        server = start_server("bench.callback:bench_app", port, env, args.workers)
        meter = CpuMeter(server=server.pid)
        base = f"http://127.0.0.1:{port}"
        await wait_up(base + "/healthz")
        ids = _Ids()

        modes = ("reference", "plain", "safe")
        if args.followers <= FIRST_MESSAGES_UP_TO:
            # Each follower's first message makes their report; the rest are added to it. Sent before
            # the rounds, so that every mode measures the same mix (before, plaintext, run first, made
            # all the reports and AES none). --followers 200000 measures the making alone.
            first = ids.take(args.followers)
            job = (base, "plain", args.followers, first, 3600.0, args.concurrency, args.followers)
            _, failed, _ = pool.submit(_closed_loop_proc, job).result()
            if failed:
                raise RuntimeError(f"{failed} of the followers' first messages failed")
        warm = argparse.Namespace(**{**vars(args), "seconds": 1.0})
        for mode in modes:  # connections, caches, the workers' imports
            _closed_loop(pool, base, mode, warm, ids)
        # Interleaved rounds: a machine whose load drifts during the run affects every mode alike.
        per_round = argparse.Namespace(**{**vars(args), "seconds": args.seconds / args.rounds})
        rates: dict[str, list[float]] = {mode: [] for mode in modes}
        closed_errors: dict[str, int] = dict.fromkeys(modes, 0)
        served: dict[str, int] = dict.fromkeys(modes, 0)
        cpu: dict[str, dict[str, float]] = {mode: {} for mode in modes}
        for _ in range(args.rounds):
            for mode in modes:
                before = meter.read()
                rps, failed, done = _closed_loop(pool, base, mode, per_round, ids)
                spent = {k: v - before[k] for k, v in meter.read().items()}
                cpu[mode] = {k: cpu[mode].get(k, 0.0) + v for k, v in spent.items()}
                rates[mode].append(rps)
                closed_errors[mode] += failed
                served[mode] += done
        ref_rps, plain_rps, aes_rps = (statistics.fmean(rates[m]) for m in modes)
        open_results: dict[str, Any] = {}
        # The reference too: whether this machine serves even the bare endpoint at this rate.
        for mode in modes:
            count = int(args.rate * args.seconds)
            wire = _wire(base, _pushes(mode, count, args.followers, ids.take(count)))
            tally = await asyncio.to_thread(load.open_loop, base, wire, rate=args.rate)
            open_results[mode] = _latency(tally)

        result: dict[str, Any] = {
            "reference_rps": round(ref_rps, 1),
            "callback_plaintext_rps": round(plain_rps, 1),
            "callback_aes_rps": round(aes_rps, 1),
            "ratio_plaintext": round(plain_rps / ref_rps, 3),
            "ratio_aes": round(aes_rps / ref_rps, 3),
            "closed_loop_errors": sum(closed_errors.values()),
            "rounds_rps": {m: [round(r, 1) for r in rates[m]] for m in modes},
            "cpu_ms_per_request": {
                m: CpuMeter.per_request_ms(dict.fromkeys(cpu[m], 0.0), cpu[m], served[m]) for m in modes
            },
            f"open_loop_{args.rate:g}rps": open_results,
            "database": await _counts(dsn),
            "settings": vars(args),
        }
        print(json.dumps(result, ensure_ascii=False, indent=2))
        worst_p99 = max(open_results[m]["p99_ms"] for m in ("plain", "safe"))
        open_errors = sum(open_results[m]["errors"] for m in ("plain", "safe"))
        ok = (
            min(result["ratio_plaintext"], result["ratio_aes"]) >= 0.5 and worst_p99 < 100 and not open_errors
        )
        print("goal met" if ok else "goal NOT met")
        return 0 if ok else 1
    finally:
        pool.shutdown(cancel_futures=True)
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(media_dir, ignore_errors=True)
        await pg.drop(admin, name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--rounds", type=int, default=5, help="closed-loop rounds, modes interleaved")
    parser.add_argument("--followers", type=int, default=500)
    parser.add_argument("--client-procs", type=int, default=1, help="processes driving the closed loop")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    raise SystemExit(asyncio.run(main(parser.parse_args())))
