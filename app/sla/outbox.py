"""A batch's outbox rows in one statement.

The rows are exactly those `app.notifications.service.enqueue` writes (pending, due now, a fresh
client_msg_id, silently not written when the dedupe key has its row; a test holds the two together);
only the round trips differ. A pass that reaches 1,000 reports writes about 1,500 rows, and a round trip
each was most of the scan's time.
Replace with an `enqueue_many` in app.notifications when that module offers one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.notifications import service as notifications_service
from app.notifications.kinds import Kind, Status
from app.notifications.models import Notification

CHUNK = 1000  # parameter sets per execute


@dataclass(frozen=True, slots=True)
class Message:
    kind: Kind
    dedupe_key: str
    payload: dict[str, Any]
    report_id: int | None
    staff_id: int | None = None
    villager_id: int | None = None

    def __post_init__(self) -> None:
        if (self.villager_id is None) == (self.staff_id is None):
            raise ValueError("a notification goes to exactly one villager or one staff member")


async def write(session: AsyncSession, messages: Sequence[Message], *, now: datetime) -> int:
    """Write the messages (deduplicated by key, first wins); returns how many rows were new."""
    unique: dict[str, Message] = {}
    for m in messages:
        unique.setdefault(m.dedupe_key, m)
    rows_to_write = list(unique.values())
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table: Table = Notification.__table__  # type: ignore[assignment]
    # One cached statement executed with many parameter sets (SQLAlchemy batches it into multi-row
    # INSERTs with RETURNING); compiling a fresh VALUES list per batch costs more than the database does.
    stmt = insert(table).on_conflict_do_nothing(index_elements=[table.c.dedupe_key]).returning(table.c.id)
    written = 0
    for start in range(0, len(rows_to_write), CHUNK):
        rows = [
            {
                "dedupe_key": m.dedupe_key,
                "kind": Kind(m.kind).value,
                "villager_id": m.villager_id,
                "staff_id": m.staff_id,
                "report_id": m.report_id,
                "payload": dict(m.payload),
                "status": Status.pending.value,
                "attempts": 0,
                "next_attempt_at": now,
                "client_msg_id": notifications_service.new_client_msg_id(),
                "created_at": now,
                "updated_at": now,
            }
            for m in rows_to_write[start : start + CHUNK]
        ]
        written += len((await session.execute(stmt, rows)).all())
    return written
