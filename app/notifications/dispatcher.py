"""The outbox dispatcher: claim due rows, send them, record how each ended.

One batch is three steps, each its own short transaction or none:
1. claim (FOR UPDATE SKIP LOCKED + a lease) and load what routing needs, commit;
2. send, concurrently, with no transaction open;
3. record each row as sent, retried later (exponential backoff with jitter), or ended (dead with
   WeChat's reason, undeliverable, not sent), fenced by the claim token; spend used grants; commit.
A crash between 1 and 3 loses nothing: the lease runs out and another run takes the rows again. A template
message WeChat had already accepted is then resent with the same client_msg_id, which WeChat drops.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from prometheus_client import Counter as Metric
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.notifications import repository
from app.notifications.config import NotifyConfig
from app.notifications.delivery import Message, Outcome, Sender
from app.notifications.kinds import Channel, Status
from app.notifications.repository import Claimed
from app.notifications.routing import Plan, Recipient, plan_routes, retry_delay
from app.notifications.templates import TemplateSpec
from app.wechat.client import WeChatClient
from app.wechat.transport import WeChatApp

log = logging.getLogger(__name__)
OUTCOMES = Metric("notification_outcomes", "Outbox rows by how an attempt ended", ["status"])
LEASE_MARGIN_SECONDS = 10.0
DEDUPE_SAFE_DELAY = timedelta(minutes=5)  # client_msg_id drops resends within 10 minutes
APP_OF = {Channel.mp_subscribe: WeChatApp.mini_program, Channel.oa_template: WeChatApp.official_account}


class Dispatcher:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        client: WeChatClient | None,
        tz: ZoneInfo,
        config: NotifyConfig | None = None,
        rng: random.Random | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._monotonic = monotonic
        self._config = config or NotifyConfig()
        self._rng = rng or random.Random()  # jitter only; nothing secret
        self._sender = Sender(client, config=self._config, tz=tz) if client is not None else None
        self._configured = frozenset(
            c for c in Channel if client is not None and client.configured(APP_OF[c])
        )

    async def run_once(self, *, now: datetime) -> dict[str, int]:
        """Sends everything due at `now`, batch after batch. Rows retried meanwhile are due later, so it ends.

        Leases and retry times run from `now` plus the time this run has taken, so a long run never
        hands out leases that have already expired.
        """
        started = self._monotonic()

        def at() -> datetime:
            return now + timedelta(seconds=self._monotonic() - started)

        counts: Counter[str] = Counter()
        while True:
            batch = await self._batch(now, at)
            if batch is None:
                break
            counts.update(batch)
            counts["batches"] += 1
        if counts:
            log.info("outbox dispatched", extra={"counts": dict(counts)})
        return dict(counts)

    async def _batch(self, due_by: datetime, at: Callable[[], datetime]) -> Counter[str] | None:
        token = secrets.token_hex(16)
        claimed_at = at()
        lease_until = claimed_at + timedelta(seconds=self._config.lease_seconds)
        async with self._sessionmaker() as session, session.begin():
            claimed = await repository.claim_due(
                session,
                due_by=due_by,
                lease_until=lease_until,
                at=claimed_at,
                limit=self._config.batch_size,
                token=token,
            )
            if not claimed:
                return None
            villager_ids = {c.villager_id for c in claimed if c.villager_id is not None}
            staff_ids = {c.staff_id for c in claimed if c.staff_id is not None}
            people = await repository.recipients(session, villager_ids=villager_ids, staff_ids=staff_ids)
            grants = await repository.grants(session, villager_ids=villager_ids)
            templates = await repository.templates(session)
        plans = [self._plan(c, people, grants, templates) for c in claimed]
        # Never start a send once the lease is (nearly) over: another dispatcher may own the row by then.
        send_by = lease_until - timedelta(seconds=min(LEASE_MARGIN_SECONDS, self._config.lease_seconds / 2))
        outcomes = await self._deliver(claimed, plans, lambda: at() < send_by)
        results, spent, counts = self._results(claimed, outcomes, token, at())
        async with self._sessionmaker() as session, session.begin():
            await repository.record(session, results=results, spent=spent)
        counts["claimed"] = len(claimed)
        return counts

    def _plan(
        self,
        row: Claimed,
        people: dict[tuple[str, int], Recipient],
        grants: dict[tuple[int, str], int],
        templates: dict[tuple[str, Channel], TemplateSpec],
    ) -> Plan:
        if row.villager_id is not None:
            recipient = people.get(("villager", row.villager_id))
        else:
            recipient = people.get(("staff", row.staff_id or 0))
        specs = {c: templates.get((row.kind, c)) for c in Channel}
        mp = specs[Channel.mp_subscribe]
        key = (row.villager_id, mp.template_id) if mp is not None and row.villager_id is not None else None
        left = grants.get(key, 0) if key is not None else 0
        plan = plan_routes(recipient, templates=specs, grants_left=left, configured=self._configured)
        if key is not None and plan.routes and plan.routes[0].channel is Channel.mp_subscribe:
            grants[key] = left - 1  # two rows for one villager in a batch must not both count on one grant
        return plan

    async def _deliver(
        self, claimed: Sequence[Claimed], plans: Sequence[Plan], leased: Callable[[], bool]
    ) -> list[Outcome]:
        sender = self._sender
        gate = asyncio.Semaphore(self._config.concurrency)

        async def one(row: Claimed, plan: Plan) -> Outcome:
            if sender is None or not plan.routes:
                return Outcome(plan.status or Status.not_sent, reason=plan.reason)
            recipient_kind = "villager" if row.villager_id is not None else "staff"
            async with gate:
                if not leased():
                    return Outcome(None, reason="lease ran out before sending")
                return await sender.deliver(
                    plan, Message(recipient_kind, row.payload, row.client_msg_id, row.created_at)
                )

        return list(await asyncio.gather(*(one(r, p) for r, p in zip(claimed, plans, strict=True))))

    def _results(
        self, claimed: Sequence[Claimed], outcomes: Sequence[Outcome], token: str, at: datetime
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Counter[str]]:
        results: list[dict[str, Any]] = []
        spent: list[dict[str, Any]] = []
        counts: Counter[str] = Counter()
        for row, outcome in zip(claimed, outcomes, strict=True):
            status, next_at, error = outcome.status, at, outcome.reason
            if status is None:
                if row.attempts >= self._config.max_attempts:
                    status, error = (
                        Status.dead,
                        f"gave up after {row.attempts} attempts: {outcome.reason}"[:300],
                    )
                else:
                    status = Status.pending
                    delay = retry_delay(
                        row.attempts,
                        base_seconds=self._config.backoff_base_seconds,
                        cap_seconds=self._config.backoff_cap_seconds,
                        rng=self._rng,
                    )
                    if outcome.ambiguous and outcome.channel is Channel.oa_template:
                        # WeChat may hold it already: resend while client_msg_id still makes that a no-op.
                        delay = min(delay, DEDUPE_SAFE_DELAY)
                    next_at = at + delay
            counts["retry" if status is Status.pending else status.value] += 1
            OUTCOMES.labels("retry" if status is Status.pending else status.value).inc()
            results.append(
                {
                    "b_id": row.id,
                    "b_claim": token,
                    "b_status": status.value,
                    "b_next": next_at,
                    "b_channel": outcome.channel.value if outcome.channel else None,
                    "b_template": outcome.template_id,
                    "b_msgid": outcome.msgid,
                    "b_sent_at": at if status is Status.sent else None,
                    "b_errcode": outcome.errcode,
                    "b_error": error[:300] if error else None,
                    "b_at": at,
                }
            )
            if (
                status is Status.sent
                and outcome.channel is Channel.mp_subscribe
                and row.villager_id is not None
            ):
                spent.append({"b_villager": row.villager_id, "b_template": outcome.template_id, "b_at": at})
        return results, spent, counts
