"""The shared access_token: fetched once, kept in the database, refreshed ahead of expiry by one holder."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.core.database import Database
from app.core.settings import Settings
from app.wechat.client import WeChatClient
from app.wechat.factory import build_client
from app.wechat.models import WeChatAccessToken
from app.wechat.tokens import TokenPolicy, TokenStore, may_force, needs_refresh
from app.wechat.transport import WeChatApp
from tests.fakes.wechat_server import FakeWeChat

USER_INFO = "cgi-bin/user/info"


async def test_concurrent_calls_on_a_cold_cache_fetch_one_token(
    wechat_client: WeChatClient, fake_wechat: FakeWeChat, database: Database
):
    fake_wechat.add_follower("oa-1")
    await asyncio.gather(*(wechat_client.user_info("oa-1") for _ in range(50)))
    assert fake_wechat.token_fetches() == 1
    assert len({c.access_token for c in fake_wechat.calls(USER_INFO)}) == 1
    async with database.sessionmaker() as session:
        row = await session.scalar(select(WeChatAccessToken))
    assert row is not None and row.appid == fake_wechat.state.oa_appid
    assert row.access_token == fake_wechat.calls(USER_INFO)[0].access_token


async def test_another_process_reads_the_stored_token_instead_of_fetching(
    wechat_settings: Settings, database: Database, fake_wechat: FakeWeChat
):
    fake_wechat.add_follower("oa-1")
    for _ in range(3):  # three "processes", each with its own store and cache
        client = build_client(wechat_settings, database.sessionmaker)
        await client.user_info("oa-1")
        await client.aclose()
    assert fake_wechat.token_fetches() == 1


async def test_a_revoked_token_costs_one_fetch_however_many_calls_hit_it(
    wechat_client: WeChatClient, fake_wechat: FakeWeChat
):
    fake_wechat.add_follower("oa-1")
    await wechat_client.user_info("oa-1")
    fake_wechat.revoke_tokens(fake_wechat.state.oa_appid)  # someone else force-refreshed
    await asyncio.gather(*(wechat_client.user_info("oa-1") for _ in range(20)))
    assert fake_wechat.token_fetches() == 2
    assert fake_wechat.token_fetches(force=True) == 0  # normal mode already had the new token


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_refresh_ahead_happens_inside_the_early_renewal_window_at_most_every_30_s(
    wechat_settings: Settings, database: Database, fake_wechat: FakeWeChat
):
    fake_wechat.add_follower("oa-1")
    fake_wechat.state.token_ttl = 200  # already inside the last 5 minutes
    clock = Clock()
    store = TokenStore(database.sessionmaker, policy=TokenPolicy(cache_seconds=0), clock=clock)
    client = build_client(wechat_settings, database.sessionmaker, tokens=store)
    try:
        await client.user_info("oa-1")
        await client.user_info("oa-1")  # just fetched: no second fetch within 30 s
        assert fake_wechat.token_fetches() == 1
        clock.now += timedelta(seconds=31)
        assert await client.transport.refresh_ahead(WeChatApp.official_account)
        await client.user_info("oa-1")
    finally:
        await client.aclose()
    assert fake_wechat.token_fetches() == 2
    first, *_, last = [c.access_token for c in fake_wechat.calls(USER_INFO)]
    assert first != last


def test_needs_refresh_rules():
    policy, now = TokenPolicy(), datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    fetched = now - timedelta(hours=1)
    assert needs_refresh(
        token="", expires_at=now + timedelta(hours=1), fetched_at=fetched, now=now, policy=policy
    )
    assert not needs_refresh(
        token="t", expires_at=now + timedelta(hours=1), fetched_at=fetched, now=now, policy=policy
    )
    # within 4.5 minutes of the end: refresh (WeChat renews in the last 5)
    assert needs_refresh(
        token="t", expires_at=now + timedelta(minutes=4), fetched_at=fetched, now=now, policy=policy
    )
    # ... but not again within 30 s of the last fetch, while the token still works
    recent = now - timedelta(seconds=10)
    assert not needs_refresh(
        token="t", expires_at=now + timedelta(minutes=4), fetched_at=recent, now=now, policy=policy
    )
    # an (almost) expired token is refreshed whatever
    assert needs_refresh(
        token="t", expires_at=now + timedelta(seconds=20), fetched_at=recent, now=now, policy=policy
    )


def test_forced_refresh_stays_within_20_a_day_and_30_s_apart():
    policy = TokenPolicy()
    now = datetime(2026, 12, 3, 15, 59, tzinfo=UTC)  # 23:59 in Beijing
    today = datetime(2026, 12, 3, tzinfo=UTC).date()
    assert may_force(forced_at=None, forced_day=None, forced_count=0, now=now, policy=policy)
    assert not may_force(
        forced_at=now - timedelta(seconds=29), forced_day=today, forced_count=1, now=now, policy=policy
    )
    assert not may_force(
        forced_at=now - timedelta(minutes=5), forced_day=today, forced_count=20, now=now, policy=policy
    )
    tomorrow = now + timedelta(minutes=2)  # past midnight in Asia/Shanghai: a new day's allowance
    assert may_force(forced_at=now, forced_day=today, forced_count=20, now=tomorrow, policy=policy)
