"""The access_token store: one copy per app in the database, refreshed by one holder at a time, read
through a short in-process cache.

- `get`: a cache hit costs nothing; a miss reads the row; only a missing or expiring token is refreshed,
  under the row's lock (FOR UPDATE; SQLite's single writer does the same), so processes and instances
  never fetch over each other.
- `refresh(stale=...)`: after WeChat refused `stale`. The first holder of the lock fetches; everyone else
  finds a different token in the row and uses it: a burst of token errors costs one fetch.
- Normal-mode stable_token hands out a new token only in the last 5 minutes of the old one, so
  refresh-ahead starts inside that window. force_refresh is used only when normal mode gives back the
  refused token, and within WeChat's limits (20 a day, 30 s apart).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql import Executable

from app.core.clock import utcnow
from app.wechat.errors import TokenError, WeChatError
from app.wechat.models import WeChatAccessToken

log = logging.getLogger(__name__)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
WECHAT_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class FetchedToken:
    access_token: str
    expires_in: int


# Calls stable_token for one app: `await fetch(force_refresh)`.
Fetch = Callable[[bool], Awaitable[FetchedToken]]


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    cache_seconds: float = 30.0
    # Inside WeChat's 5-minute early-renewal window, so a normal-mode fetch really brings a new token.
    refresh_margin: timedelta = timedelta(seconds=270)
    min_fetch_interval: timedelta = timedelta(seconds=30)
    # A token this close to its end is never handed out.
    expiry_safety: timedelta = timedelta(seconds=30)
    failure_backoff: timedelta = timedelta(seconds=10)
    force_daily_limit: int = 20
    force_min_interval: timedelta = timedelta(seconds=30)


def needs_refresh(
    *, token: str, expires_at: datetime, fetched_at: datetime, now: datetime, policy: TokenPolicy
) -> bool:
    if not token or now >= expires_at - policy.expiry_safety:
        return True
    return expires_at - now <= policy.refresh_margin and now - fetched_at >= policy.min_fetch_interval


def may_force(
    *,
    forced_at: datetime | None,
    forced_day: date | None,
    forced_count: int,
    now: datetime,
    policy: TokenPolicy,
) -> bool:
    if forced_at is not None and now - forced_at < policy.force_min_interval:
        return False
    today = now.astimezone(WECHAT_TZ).date()
    return forced_day != today or forced_count < policy.force_daily_limit


@dataclass(frozen=True, slots=True)
class _Cached:
    token: str
    expires_at: datetime
    checked_at: datetime


class TokenStore:
    """Shared by every WeChat call of a process. Safe for many concurrent tasks."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        policy: TokenPolicy | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessionmaker = sessionmaker
        self.policy = policy or TokenPolicy()
        self._clock = clock
        # One lock for all apps: misses are rare, and it keeps this store to one DB session at a time.
        self._lock = asyncio.Lock()
        self._cache: dict[str, _Cached] = {}
        self._fetch_failed: dict[str, tuple[datetime, WeChatError]] = {}
        self._refused: dict[tuple[str, str], tuple[datetime, TokenError]] = {}
        self.fetches = 0

    async def get(self, appid: str, fetch: Fetch) -> str:
        if (token := self._cached(appid)) is not None:
            return token
        async with self._lock:
            if (token := self._cached(appid)) is not None:
                return token
            self._raise_recent(self._fetch_failed.get(appid))
            row = await self._read(appid)
            if row is not None and self._fresh(row):
                return self._remember(appid, row.access_token, row.expires_at)
            return await self._refresh_locked(appid, fetch, stale=None)

    async def refresh(self, appid: str, *, stale: str, fetch: Fetch) -> str:
        """A token WeChat just refused: get another, fetching only if nobody has yet."""
        async with self._lock:
            cached = self._cache.get(appid)
            if cached is not None and cached.token != stale and self._usable(cached):
                return cached.token
            self._cache.pop(appid, None)
            self._raise_recent(self._refused.get((appid, stale)))
            self._raise_recent(self._fetch_failed.get(appid))
            return await self._refresh_locked(appid, fetch, stale=stale)

    async def ensure_fresh(self, appid: str, fetch: Fetch) -> bool:
        """For the refresh job: refresh ahead of expiry if due. True when a fetch happened."""
        async with self._lock:
            before = self.fetches
            self._cache.pop(appid, None)
            row = await self._read(appid)
            if row is not None and self._fresh(row):
                self._remember(appid, row.access_token, row.expires_at)
                return False
            await self._refresh_locked(appid, fetch, stale=None)
            return self.fetches > before

    # -- internals --------------------------------------------------------------------------------

    def _fresh(self, row: WeChatAccessToken) -> bool:
        return not needs_refresh(
            token=row.access_token,
            expires_at=row.expires_at,
            fetched_at=row.fetched_at,
            now=self._clock(),
            policy=self.policy,
        )

    def _usable(self, cached: _Cached) -> bool:
        now = self._clock()
        return now < cached.expires_at - self.policy.expiry_safety

    def _cached(self, appid: str) -> str | None:
        cached = self._cache.get(appid)
        if cached is None:
            return None
        now = self._clock()
        fresh = (now - cached.checked_at).total_seconds() < self.policy.cache_seconds
        return cached.token if fresh and self._usable(cached) else None

    def _remember(self, appid: str, token: str, expires_at: datetime) -> str:
        self._cache[appid] = _Cached(token, expires_at, self._clock())
        return token

    def _raise_recent(self, memo: tuple[datetime, WeChatError] | None) -> None:
        if memo is not None and self._clock() < memo[0]:
            raise memo[1].with_traceback(None)  # the same error again, without piling up tracebacks

    async def _read(self, appid: str) -> WeChatAccessToken | None:
        async with self._sessionmaker() as session:
            return await session.get(WeChatAccessToken, appid)

    async def _refresh_locked(self, appid: str, fetch: Fetch, *, stale: str | None) -> str:
        async with self._sessionmaker() as session, session.begin():
            await session.execute(_insert_placeholder(session, appid))
            row = await session.scalar(
                select(WeChatAccessToken).where(WeChatAccessToken.appid == appid).with_for_update()
            )
            assert row is not None
            now = self._clock()
            if self._someone_else_refreshed(row, now, stale):
                return self._remember(appid, row.access_token, row.expires_at)
            try:
                fetched = await self._fetch(appid, fetch, row, now, stale)
            except TokenError as exc:
                self._refused[(appid, stale or "")] = (now + self.policy.failure_backoff, exc)
                raise
            except WeChatError as exc:
                self._fetch_failed[appid] = (now + self.policy.failure_backoff, exc)
                raise
            self._fetch_failed.pop(appid, None)
            row.access_token = fetched.access_token
            row.expires_at = now + timedelta(seconds=max(fetched.expires_in, 0))
            row.fetched_at = now
            expires_at = row.expires_at
        return self._remember(appid, fetched.access_token, expires_at)

    def _someone_else_refreshed(self, row: WeChatAccessToken, now: datetime, stale: str | None) -> bool:
        if stale is None:
            return self._fresh(row)
        return bool(row.access_token) and row.access_token != stale and now < row.expires_at

    async def _fetch(
        self, appid: str, fetch: Fetch, row: WeChatAccessToken, now: datetime, stale: str | None
    ) -> FetchedToken:
        fetched = await fetch(False)
        self.fetches += 1
        if stale is None or fetched.access_token != stale:
            return fetched
        # Normal mode insists on the token WeChat just refused: only a forced refresh replaces it.
        if not may_force(
            forced_at=row.forced_at,
            forced_day=row.forced_day,
            forced_count=row.forced_count,
            now=now,
            policy=self.policy,
        ):
            raise TokenError(
                None, "access_token refused and force_refresh is not allowed yet", endpoint="stable_token"
            )
        log.warning("wechat access_token refused twice; forcing a refresh", extra={"appid": appid})
        fetched = await fetch(True)
        self.fetches += 1
        today = now.astimezone(WECHAT_TZ).date()
        row.forced_count = row.forced_count + 1 if row.forced_day == today else 1
        row.forced_day = today
        row.forced_at = now
        return fetched


def _insert_placeholder(session: AsyncSession, appid: str) -> Executable:
    # Makes sure the row exists to be locked; concurrent first inserts queue on the primary key.
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return (
        insert(WeChatAccessToken)
        .values(appid=appid, access_token="", expires_at=EPOCH, fetched_at=EPOCH, forced_count=0)
        .on_conflict_do_nothing(index_elements=[WeChatAccessToken.appid])
    )
