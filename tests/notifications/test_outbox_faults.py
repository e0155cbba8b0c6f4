"""The outbox under faults, on real separate connections and processes (each test its own database)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from app.core.database import Database
from app.core.settings import Settings
from app.notifications.models import Notification, SubscribeGrant
from app.wechat.factory import build_client
from tests.fakes.wechat_server import FakeWeChat
from tests.notifications._support import NOW, dispatcher, seed_outbox

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = "cgi-bin/message/template/send"


async def _statuses(database: Database) -> Counter[str]:
    async with database.sessionmaker() as session:
        rows = await session.execute(select(Notification.status, func.count()).group_by(Notification.status))
        return Counter({status: n for status, n in rows.all()})


async def test_two_dispatchers_running_at_once_never_send_the_same_row(
    fresh_db, wechat_settings: Settings, fake_wechat: FakeWeChat
):
    databases = [Database(fresh_db.url), Database(fresh_db.url)]
    async with databases[0].sessionmaker() as session, session.begin():
        await seed_outbox(session, fake_wechat, count=300)
    fake_wechat.inject(TEMPLATE, delay=0.005, times=None)  # slow enough for the two to interleave
    clients = [build_client(wechat_settings, d.sessionmaker) for d in databases]
    try:
        runs = [
            dispatcher(d, c, batch_size=20, concurrency=8) for d, c in zip(databases, clients, strict=True)
        ]
        first, second = await asyncio.gather(*(r.run_once(now=NOW) for r in runs))
    finally:
        for c in clients:
            await c.aclose()
    assert first["sent"] + second["sent"] == 300
    assert first["sent"] > 0 and second["sent"] > 0  # both really worked
    sent_ids = Counter(c.body["client_msg_id"] for c in fake_wechat.calls(TEMPLATE))
    assert len(sent_ids) == 300 and set(sent_ids.values()) == {1}  # no row went out twice
    assert await _statuses(databases[0]) == {"sent": 300}
    assert fake_wechat.token_fetches() == 1
    for d in databases:
        await d.dispose()


async def test_a_dispatcher_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    fresh_db, wechat_settings: Settings, fake_wechat: FakeWeChat
):
    database = Database(fresh_db.url)
    async with database.sessionmaker() as session, session.begin():
        await seed_outbox(session, fake_wechat, count=200)
    fake_wechat.inject(TEMPLATE, delay=0.03, times=None)
    env = {**os.environ, "APP_ENV": "test", "PYTHONPATH": str(ROOT)}
    args = [fresh_db.url, json.dumps(fake_wechat.settings_overrides()), NOW.isoformat(), "50", "10"]
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.notifications._dispatcher_proc", *args, cwd=ROOT, env=env
    )
    try:
        deadline = time.monotonic() + 30
        while len(fake_wechat.calls(TEMPLATE)) < 75:  # the first batch recorded, the second half-sent
            assert child.returncode is None and time.monotonic() < deadline, "dispatcher ended too early"
            await asyncio.sleep(0.01)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        await asyncio.wait_for(child.wait(), timeout=10)
    assert child.returncode == -signal.SIGKILL
    accepted_before_crash = len(fake_wechat.delivered())
    stranded = await _statuses(database)
    assert stranded["sent"] < accepted_before_crash  # WeChat accepted rows we never recorded as sent

    fake_wechat.clear_faults()
    client = build_client(wechat_settings, database.sessionmaker)
    try:
        # A restart within the lease sends what nobody had claimed, and leaves the dead sender's rows alone...
        early = await dispatcher(database, client).run_once(now=NOW + timedelta(seconds=30))
        leased = stranded["pending"] - early["sent"]
        assert leased > 0 and await _statuses(database) == {"sent": 200 - leased, "pending": leased}
        # ... which come back once its lease (60 s) has run out: nothing is lost.
        late = await dispatcher(database, client).run_once(now=NOW + timedelta(seconds=120))
    finally:
        await client.aclose()
    assert late["sent"] == leased
    assert await _statuses(database) == {"sent": 200}
    # Rows WeChat had already accepted went out again with the same client_msg_id, which WeChat dropped.
    assert len(fake_wechat.calls(TEMPLATE)) > 200
    delivered = Counter(d.client_msg_id for d in fake_wechat.delivered())
    assert len(delivered) == 200 and set(delivered.values()) == {1}
    await database.dispose()


async def test_with_30_percent_transient_faults_1000_notifications_all_end_sent(
    fresh_db, wechat_settings: Settings, fake_wechat: FakeWeChat
):
    database = Database(fresh_db.url)
    async with database.sessionmaker() as session, session.begin():
        await seed_outbox(session, fake_wechat, count=1000, subscribe_share=0.5)
    # About 10% each of busy (-1), gateway errors (502) and rate limiting (45011): ~30% of calls fail.
    fake_wechat.inject("*", errcode=-1, probability=0.10, times=None, seed=1)
    fake_wechat.inject("*", status=502, probability=0.111, times=None, seed=2)
    fake_wechat.inject("*", errcode=45011, probability=0.125, times=None, seed=3)
    # And some template messages WeChat accepts but whose answer is lost: resent, dropped by client_msg_id.
    fake_wechat.inject(TEMPLATE, status=504, after=True, probability=0.05, times=None, seed=4)
    # A few token refusals on top: each costs at most one refresh, never one per failure.
    fake_wechat.inject(TEMPLATE, errcode=40001, times=3)
    client = build_client(wechat_settings, database.sessionmaker)
    rounds, now = 0, NOW
    try:
        d = dispatcher(database, client, max_attempts=25)
        while (await _statuses(database)).get("pending") and rounds < 30:
            await d.run_once(now=now)
            now, rounds = now + timedelta(hours=2), rounds + 1  # every retry due by the next round
    finally:
        await client.aclose()
    assert await _statuses(database) == {"sent": 1000}
    faulted = sum(1 for c in fake_wechat.calls() if c.fault)
    assert faulted / len(fake_wechat.calls()) > 0.25
    delivered = Counter(d.client_msg_id or d.touser for d in fake_wechat.delivered())
    assert len(delivered) == 1000 and set(delivered.values()) == {1}
    assert len(fake_wechat.delivered("subscribe")) == 500
    async with database.sessionmaker() as session:
        assert await session.scalar(select(func.sum(SubscribeGrant.remaining))) == 0
    assert fake_wechat.token_fetches() <= 5
    await database.dispose()
