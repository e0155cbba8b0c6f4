"""One verified push: run its handler and store it under its dedupe key, in one transaction.

The unique key makes the transaction the only one that handles the message: a retry (or a concurrent
second delivery) finds the key taken when it stores the message, rolls its own work back, and gets the
first delivery's reply. Storing last saves a statement on every push; a handler that must reference
the stored row claims it first (ctx.message_id()), and one that stores it in its own statement says
so (ctx.stored_handled()). A handler that fails has its changes rolled back, and the message is stored
anyway, marked failed (with the error, for the admins), so nothing WeChat delivered is ever lost; the
sender is asked to try again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client import Counter
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.inbound import replies
from app.inbound import service as inbound_service
from app.inbound.models import InboundMessage
from wechat_callbacks.message import Message
from wechat_callbacks.registry import REGISTRY, Context, Duplicate, Later, Registry, Services

log = logging.getLogger("suishoupai.wechat.callbacks")
OUTCOMES = Counter("wechat_callbacks", "WeChat pushes by endpoint and outcome", ["app", "outcome"])
# Messages a person typed or sent: a failure is worth telling them; events get no reply.
PERSON_MESSAGES = frozenset({"text", "image", "voice", "video", "shortvideo", "location", "link"})


@dataclass
class Handled:
    reply: str | None
    duplicate: bool = False
    later: list[Later] = field(default_factory=list)


async def handle(
    session: AsyncSession,
    *,
    app: str,
    message: Message,
    key: str,
    now: datetime,
    services: Services,
    registry: Registry = REGISTRY,
) -> Handled:
    ctx = Context(session, app, message, key, now, services)
    handler = registry.find(app, message.msg_type, message.event)
    try:
        result = await handler(ctx) if handler is not None else None
        reply, report_id = (result.reply, result.report_id) if result else (None, None)
        if ctx.stored:
            pass  # stored by the handler's own statement, reply and report included
        elif ctx.claimed_id is not None:
            await inbound_service.finish(
                session, message_id=ctx.claimed_id, reply=reply, report_id=report_id, now=now
            )
        elif (
            await inbound_service.store_handled(
                session, app=app, fields=message.fields, key=key, now=now, reply=reply, report_id=report_id
            )
            is None
        ):
            raise Duplicate
        await session.commit()
    except Duplicate:
        await session.rollback()  # this delivery's work, done again, is undone
        reply = await inbound_service.stored_reply(session, app=app, key=key)
        await session.rollback()
        OUTCOMES.labels(app, "duplicate").inc()
        return Handled(reply, duplicate=True)
    except Exception as exc:  # a handler bug must not lose the message or show WeChat an error
        log.exception(
            "wechat push handler failed",
            extra={"app": app, "msg_type": message.msg_type, "wechat_event": message.event},
        )
        await session.rollback()
        reply = replies.TRY_AGAIN if app == "oa" and message.msg_type in PERSON_MESSAGES else None
        await inbound_service.record_failure(
            session,
            app=app,
            fields=message.fields,
            key=key,
            now=now,
            error=f"{type(exc).__name__}: {exc}",
            reply=reply,
        )
        await session.commit()
        OUTCOMES.labels(app, "failed").inc()
        return Handled(reply)
    OUTCOMES.labels(app, "handled" if handler is not None else "stored").inc()
    return Handled(reply, later=ctx.later)


class NotFailed(Exception):
    """Only a message whose handler failed is run again."""


async def rerun(
    session: AsyncSession,
    *,
    message_id: int,
    now: datetime,
    services: Services,
    registry: Registry = REGISTRY,
) -> Handled | None:
    """Run a failed message's handler again (the bug was fixed, the database is back), on the stored
    payload, in one transaction. The reply can no longer reach the sender (WeChat takes a passive reply
    only as the answer to its push), so it is only stored. None when there is no such message; raises
    NotFailed for one that was handled. A second failure keeps the row failed, with the new error."""
    row = await session.scalar(
        select(InboundMessage).where(InboundMessage.id == message_id).with_for_update()
    )
    if row is None:
        return None
    if row.status != "failed":
        raise NotFailed(row.status)
    app = row.app  # a rollback below expires the row
    message = Message(row.payload)
    ctx = Context(session, app, message, row.dedupe_key, now, services)
    ctx.claimed_id = row.id  # whatever the handler links to the message links to this row
    handler = registry.find(app, message.msg_type, message.event)
    try:
        result = await handler(ctx) if handler is not None else None
        reply, report_id = (result.reply, result.report_id) if result else (None, None)
        await inbound_service.finish(
            session, message_id=message_id, reply=reply, report_id=report_id, now=now
        )
        await session.flush()
    except Exception as exc:
        log.exception("wechat push handler failed again", extra={"app": app, "message_id": message_id})
        await session.rollback()
        await session.execute(
            update(InboundMessage)
            .where(InboundMessage.id == message_id)
            .values(error=f"{type(exc).__name__}: {exc}"[:300], handled_at=now)
        )
        OUTCOMES.labels(app, "failed").inc()
        return Handled(None)
    OUTCOMES.labels(app, "rerun").inc()
    return Handled(reply, later=ctx.later)
