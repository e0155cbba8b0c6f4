"""`enqueue_many` (the clocks write a batch at a time) writes exactly the rows `enqueue` writes."""

from __future__ import annotations

from sqlalchemy import select

from app.notifications import service as notifications_service
from app.notifications.kinds import Kind
from app.notifications.models import Notification
from app.notifications.service import OutboxMessage
from tests.factories import NOW

IGNORED = {"id", "dedupe_key", "client_msg_id"}


async def test_batch_rows_are_the_rows_enqueue_writes_and_a_key_is_written_once(session, village):
    v = village
    payload = {"title": "路灯坏了", "note": "请及时办理"}
    await notifications_service.enqueue(
        session, kind=Kind.sla_warning, dedupe_key="by-enqueue", now=NOW, payload=payload, staff_id=v.cadre.id
    )
    messages = [
        OutboxMessage(Kind.sla_warning, "by-batch", payload, None, staff_id=v.cadre.id),
        OutboxMessage(Kind.sla_warning, "by-batch", payload, None, staff_id=v.secretary.id),  # same key
    ]
    assert await notifications_service.enqueue_many(session, messages, now=NOW) == 1
    assert (
        await notifications_service.enqueue_many(session, messages, now=NOW) == 0
    )  # already there: nothing new
    rows = {
        r.dedupe_key: r
        for r in (
            await session.scalars(select(Notification).where(Notification.dedupe_key.like("by-%")))
        ).all()
    }
    columns = [c.key for c in Notification.__table__.columns if c.key not in IGNORED]
    by_enqueue = {c: getattr(rows["by-enqueue"], c) for c in columns}
    by_batch = {c: getattr(rows["by-batch"], c) for c in columns}
    assert by_batch == by_enqueue
    assert rows["by-batch"].client_msg_id != rows["by-enqueue"].client_msg_id
