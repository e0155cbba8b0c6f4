"""Downloading chat photos (temporary media) into the media storage, with retries until stored.

Like the outbox: rows are claimed with FOR UPDATE SKIP LOCKED and a lease (a crashed fetcher's rows
come back when it runs out), downloaded with no transaction open, then recorded one by one, fenced
by the claim token. A retryable failure (WeChat busy, network, storage) is tried again with backoff
until the media's 3 days are over; a permanent one (unknown media id, not an image) ends the row as
failed, which admins see in the console. The media source is any object with WeChatClient.get_media's
shape, so this module never imports the WeChat adapter.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, cast

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.errors import DomainError
from app.inbound import attach
from app.inbound.models import MediaFetch
from app.media import service as media_service
from app.media.storage import MediaStorage

log = logging.getLogger(__name__)
F = cast(Table, MediaFetch.__table__)
MAX_BYTES = 10 * 1024 * 1024  # WeChat's own limit for an image message
MAX_PIXELS = 60_000_000
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)


class Downloaded(Protocol):
    @property
    def content(self) -> bytes: ...


class MediaSource(Protocol):
    async def get_media(self, media_id: str) -> Downloaded: ...


@dataclass(frozen=True, slots=True)
class FetchConfig:
    batch_size: int = 20
    concurrency: int = 4
    lease: timedelta = timedelta(minutes=2)


class _LostClaim(Exception):
    """Another fetcher took the row after our lease ran out: what we stored is rolled back."""


@dataclass(frozen=True, slots=True)
class _Claimed:
    token: str
    id: int
    wechat_media_id: str
    villager_id: int
    attempts: int
    expires_at: datetime


def retry_at(attempts: int, now: datetime, expires_at: datetime) -> datetime:
    delay = min(RETRY_CAP, RETRY_BASE * 2 ** max(attempts - 1, 0))
    return min(now + delay, expires_at)


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or getattr(exc, "message", None) or type(exc).__name__
    return str(reason)[:300]


class MediaFetcher:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        source: MediaSource,
        storage: MediaStorage,
        config: FetchConfig | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._source = source
        self._storage = storage
        self._config = config or FetchConfig()

    async def run_once(self, *, now: datetime, only: Collection[int] | None = None) -> dict[str, int]:
        """Everything due at `now` (or just the rows `only` names), batch after batch."""
        counts: Counter[str] = Counter()
        gate = asyncio.Semaphore(self._config.concurrency)

        async def one(row: _Claimed) -> str:
            async with gate:
                return await self._fetch(row, row.token, now)

        while True:
            claimed = await self._claim(now, only)
            if not claimed:
                break
            counts["claimed"] += len(claimed)
            counts.update(await asyncio.gather(*(one(row) for row in claimed)))
            if only is not None:
                break
        return dict(counts)

    async def _claim(self, now: datetime, only: Collection[int] | None) -> list[_Claimed]:
        token = secrets.token_hex(16)
        due = (
            select(F.c.id)
            .where(F.c.status == "pending", F.c.next_attempt_at <= now)
            .order_by(F.c.next_attempt_at, F.c.id)
            .limit(self._config.batch_size)
            .with_for_update(skip_locked=True)
        )
        if only is not None:
            due = due.where(F.c.id.in_(list(only)))
        stmt = (
            update(F)
            .where(F.c.id.in_(due))
            .values(
                attempts=F.c.attempts + 1,
                next_attempt_at=now + self._config.lease,
                claim_token=token,
                updated_at=now,
            )
            .returning(F.c.id, F.c.wechat_media_id, F.c.villager_id, F.c.attempts, F.c.expires_at)
        )
        async with self._sessionmaker() as session, session.begin():
            rows = (await session.execute(stmt)).all()
        return sorted((_Claimed(token, *row) for row in rows), key=lambda c: c.id)

    async def _fetch(self, row: _Claimed, token: str, now: datetime) -> str:
        if now >= row.expires_at:
            return await self._end(row, token, now, "failed", "expired: WeChat keeps temporary media 3 days")
        try:
            downloaded = await self._source.get_media(row.wechat_media_id)
        except Exception as exc:  # the source's typed errors say whether trying again can help
            if getattr(exc, "retryable", True):
                return await self._end(row, token, now, "retry", _reason(exc))
            return await self._end(row, token, now, "failed", _reason(exc))
        try:
            return await self._store(row, token, downloaded.content, now)
        except _LostClaim:
            return "lost_claim"
        except DomainError as exc:  # not an image we accept, or a photo WeChat found risky
            return await self._end(row, token, now, "failed", exc.message)
        except Exception as exc:  # storage or database trouble: try again later
            log.warning("chat photo could not be stored", extra={"fetch_id": row.id, "error": repr(exc)})
            return await self._end(row, token, now, "retry", _reason(exc))

    async def _store(self, row: _Claimed, token: str, data: bytes, now: datetime) -> str:
        async with self._sessionmaker() as session, session.begin():
            stored = await media_service.store_upload(
                session,
                storage=self._storage,
                data=data,
                villager_id=row.villager_id,
                now=now,
                max_bytes=MAX_BYTES,
                max_pixels=MAX_PIXELS,
            )
            if stored.media.wechat_media_id is None:
                stored.media.wechat_media_id = row.wechat_media_id
            recorded = (
                await session.execute(
                    update(F)
                    .where(F.c.id == row.id, F.c.claim_token == token)
                    .values(
                        status="stored",
                        media_id=stored.media.id,
                        stored_at=now,
                        last_error=None,
                        claim_token=None,
                        updated_at=now,
                    )
                    .returning(F.c.report_id, F.c.attached)
                )
            ).one_or_none()
            if recorded is None:
                raise _LostClaim
            report_id, attached = recorded
            if report_id is not None and not attached:
                await attach.attach_photo(
                    session, fetch_id=row.id, report_id=report_id, media_id=stored.media.id
                )
        return "stored"

    async def _end(self, row: _Claimed, token: str, now: datetime, outcome: str, reason: str) -> str:
        values: dict[str, object] = {"last_error": reason, "claim_token": None, "updated_at": now}
        if outcome == "retry":
            values["next_attempt_at"] = retry_at(row.attempts, now, row.expires_at)
        else:
            values["status"] = "failed"
            log.warning("chat photo download failed", extra={"fetch_id": row.id, "reason": reason})
        async with self._sessionmaker() as session, session.begin():
            await session.execute(
                update(F).where(F.c.id == row.id, F.c.claim_token == token).values(**values)
            )
        return outcome
