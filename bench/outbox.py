"""Outbox throughput: notifications/s through the dispatcher to the fake WeChat server, and token fetches.

    .venv/bin/python -m bench.outbox [--count 5000] [--batch-size 200] [--concurrency 64]
                                     [--subscribe-share 0.5] [--fake subprocess|thread]

Makes a scratch PostgreSQL database (TEST_DATABASE_URL's server, default postgres@127.0.0.1), migrates it,
seeds `count` due notifications (a share of them to villagers holding subscribe grants, the rest to
Official Account followers), runs the dispatcher once to drain them and reports. The fake runs in its own
process by default (as WeChat would: not competing with the dispatcher for this process's GIL).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from zoneinfo import ZoneInfo

os.environ.setdefault("APP_ENV", "test")

import httpx

from app.core import migrate
from app.core.database import Database
from app.core.settings import Settings
from app.notifications.config import NotifyConfig
from app.notifications.dispatcher import Dispatcher
from app.wechat.factory import build_client
from tests.fakes.wechat_server import FakeWeChat
from tests.notifications._support import NOW, seed_outbox
from tests.support import pg


def _start_fake(mode: str) -> tuple[dict[str, str], object]:
    if mode == "thread":
        fake = FakeWeChat().start()
        fake.state.open_directory = True
        return fake.settings_overrides(), fake
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.wechat_server", "--open"], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    info = json.loads(proc.stdout.readline())
    info.pop("base_url")
    return info, proc


def _stop_fake(handle: object) -> None:
    if isinstance(handle, FakeWeChat):
        handle.stop()
    elif isinstance(handle, subprocess.Popen):
        handle.terminate()
        handle.wait(timeout=10)


async def run(args: argparse.Namespace) -> dict[str, object]:
    admin = pg.base_url()
    name = f"ssp_bench_{uuid.uuid4().hex[:8]}"
    await pg.admin_execute(admin, f'CREATE DATABASE "{name}"')
    url = pg.with_database(admin, name)
    overrides, fake = _start_fake(args.fake)
    database = Database(url)
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        async with database.sessionmaker() as session, session.begin():
            await seed_outbox(session, None, count=args.count, subscribe_share=args.subscribe_share)
        settings = Settings(app_env="test", database_url=url, **overrides)  # type: ignore[arg-type]
        client = build_client(settings, database.sessionmaker)
        config = NotifyConfig(batch_size=args.batch_size, concurrency=args.concurrency)
        dispatcher = Dispatcher(
            sessionmaker=database.sessionmaker, client=client, tz=ZoneInfo("Asia/Shanghai"), config=config
        )
        started = time.perf_counter()
        counts = await dispatcher.run_once(now=NOW)
        elapsed = time.perf_counter() - started
        await client.aclose()
        async with httpx.AsyncClient(base_url=settings.wechat_api_base) as probe:
            stats = (await probe.get("/_fake/stats")).json()
        return {
            "notifications": args.count,
            "sent": counts.get("sent", 0),
            "seconds": round(elapsed, 3),
            "notifications_per_second": round(counts.get("sent", 0) / elapsed, 1),
            "token_fetches": stats["token_fetches"],
            "wechat_calls": stats["calls"],
            "batch_size": args.batch_size,
            "concurrency": args.concurrency,
            "fake": args.fake,
        }
    finally:
        await database.dispose()
        _stop_fake(fake)
        await pg.drop(admin, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    defaults = NotifyConfig()
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--concurrency", type=int, default=defaults.concurrency)
    parser.add_argument("--subscribe-share", type=float, default=0.5)
    parser.add_argument("--fake", choices=("subprocess", "thread"), default="subprocess")
    result = asyncio.run(run(parser.parse_args()))
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
