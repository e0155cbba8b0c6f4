"""Writing to the outbox, inside the caller's transaction. Nothing here talks to WeChat.

Domains call `enqueue` (or `on_report_transition`) with their own session: the row commits or rolls back
with the change that caused it. A second row for the same dedupe key is silently not written.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, String, Table, bindparam, func, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.audit.service import Actor
from app.core.errors import Conflict, InvalidInput, NotFound
from app.notifications import report_notices
from app.notifications.kinds import RETRYABLE_BY_ADMIN, Channel, Kind, Status
from app.notifications.models import Notification, NotificationTemplate, SubscribeGrant
from app.notifications.templates import field_specs
from app.people.models import Role, StaffAccount
from app.reports.models import Report
from app.reports.workflow import Action


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def new_client_msg_id() -> str:
    return "ssp" + secrets.token_hex(12)


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One notification to write (see `enqueue` for the payload's names and the dedupe key)."""

    kind: Kind
    dedupe_key: str
    payload: Mapping[str, Any]
    report_id: int | None = None
    staff_id: int | None = None
    villager_id: int | None = None

    def __post_init__(self) -> None:
        if (self.villager_id is None) == (self.staff_id is None):
            raise ValueError("a notification goes to exactly one villager or one staff member")


def _row(m: OutboxMessage, now: datetime) -> dict[str, Any]:
    return {
        "dedupe_key": m.dedupe_key,
        "kind": Kind(m.kind).value,
        "villager_id": m.villager_id,
        "staff_id": m.staff_id,
        "report_id": m.report_id,
        "payload": dict(m.payload),
        "status": Status.pending.value,
        "attempts": 0,
        "next_attempt_at": now,
        "client_msg_id": new_client_msg_id(),
        "created_at": now,
        "updated_at": now,
    }


def _insert_statement(insert: Any) -> Any:
    table: Table = Notification.__table__  # type: ignore[assignment]
    return insert(table).on_conflict_do_nothing(index_elements=[table.c.dedupe_key]).returning(table.c.id)


# One statement per dialect, built once, for any number of parameter sets (SQLAlchemy batches them into
# multi-row INSERTs with RETURNING); a fresh statement per call costs more than the database does.
_INSERT_ROWS = {True: _insert_statement(pg_insert), False: _insert_statement(sqlite_insert)}


def _insert_rows(session: AsyncSession) -> Any:
    return _INSERT_ROWS[session.get_bind().dialect.name == "postgresql"]


_N = cast(Table, Notification.__table__)
# The columns `_row` fills, in its order.
_COLUMNS = tuple(_row(OutboxMessage(Kind.acknowledged, "", {}, villager_id=0), datetime.now(UTC)))


def insert_naming(report_id: ColumnElement[Any]) -> Any:
    """INSERT … SELECT of one notification about the report `report_id` names, for a statement that
    makes the report itself (PostgreSQL; no report, no notification): the dedupe key is the message's
    key with the report's id appended, and the payload gains "report_id". Parameters as
    `naming_params` gives them; the row is the one `enqueue` writes."""
    values: list[ColumnElement[Any]] = [bindparam(f"n_{name}", type_=_N.c[name].type) for name in _COLUMNS]
    values[_COLUMNS.index("report_id")] = report_id
    key = bindparam("n_dedupe_key", type_=String) + sql_cast(report_id, String)
    values[_COLUMNS.index("dedupe_key")] = key
    payload = bindparam("n_payload", type_=JSONB).op("||", return_type=JSONB)(
        func.jsonb_build_object("report_id", report_id)
    )
    values[_COLUMNS.index("payload")] = payload
    return (
        pg_insert(_N)
        .from_select(list(_COLUMNS), select(*values))
        .on_conflict_do_nothing(index_elements=[_N.c.dedupe_key])
    )


def naming_params(message: OutboxMessage, *, now: datetime) -> dict[str, Any]:
    """`insert_naming`'s parameters: `message` with its key's prefix ("received:") and no report id."""
    if message.report_id is not None or "report_id" in message.payload:
        raise ValueError("the report's id comes from the statement")
    return {f"n_{name}": value for name, value in _row(message, now).items() if name != "report_id"}


async def enqueue(
    session: AsyncSession,
    *,
    kind: Kind,
    dedupe_key: str,
    now: datetime,
    payload: Mapping[str, Any],
    villager_id: int | None = None,
    staff_id: int | None = None,
    report_id: int | None = None,
) -> bool:
    """Add one notification, due now. False when the dedupe key already has its row.

    `payload` holds semantic values that templates pick by name (see templates.DEFAULT_FIELDS):
    report_id, ledger_no, title, status (a pure-Chinese label), time and deadline (aware ISO datetimes),
    note, unit, area, count. Name the cause in `dedupe_key` ("sla_warning:<report_id>:<level>", …).
    """
    message = OutboxMessage(kind, dedupe_key, payload, report_id, staff_id=staff_id, villager_id=villager_id)
    return (await session.execute(_insert_rows(session), _row(message, now))).scalar_one_or_none() is not None


CHUNK = 1000  # parameter sets per execute


async def enqueue_many(session: AsyncSession, messages: Sequence[OutboxMessage], *, now: datetime) -> int:
    """Write the messages (deduplicated by key, first wins) in as few round trips as the batch allows;
    returns how many rows were new. The rows are exactly those `enqueue` writes."""
    unique: dict[str, OutboxMessage] = {}
    for m in messages:
        unique.setdefault(m.dedupe_key, m)
    pending = list(unique.values())
    stmt = _insert_rows(session)
    written = 0
    for start in range(0, len(pending), CHUNK):
        rows = [_row(m, now) for m in pending[start : start + CHUNK]]
        written += len((await session.execute(stmt, rows)).all())
    return written


async def on_report_transition(
    session: AsyncSession, *, report: Report, action: Action, now: datetime, tz: ZoneInfo | None = None
) -> int:
    """The outbox rows a lifecycle step causes (see report_notices); returns how many were written."""
    written = 0
    for notice in report_notices.notices_for(report, action, now=now, tz=tz):
        for villager_id, staff_id, key in await _recipients(session, report, notice):
            written += await enqueue(
                session,
                kind=notice.kind,
                dedupe_key=key,
                now=now,
                payload=notice.payload,
                villager_id=villager_id,
                staff_id=staff_id,
                report_id=report.id,
            )
    return written


async def _recipients(
    session: AsyncSession, report: Report, notice: report_notices.Notice
) -> list[tuple[int | None, int | None, str]]:
    if notice.audience == "reporter":
        return [(report.reporter_villager_id, None, notice.dedupe_key)] if report.reporter_villager_id else []
    if notice.audience == "assignee":
        return [(None, report.assignee_staff_id, notice.dedupe_key)] if report.assignee_staff_id else []
    if notice.audience == "team":
        people = [
            StaffAccount.area_id == report.village_id,
            StaffAccount.role == Role.handler.value,
            StaffAccount.team == report.assignee_team,
        ]
    elif notice.audience == "intake":
        people = [StaffAccount.area_id == report.village_id, StaffAccount.role == Role.intake_cadre.value]
    else:
        people = [
            StaffAccount.department_id == report.department_id,
            StaffAccount.role == Role.department_staff.value,
        ]
    staff_ids = await session.scalars(
        select(StaffAccount.id).where(*people, StaffAccount.is_active.is_(True)).order_by(StaffAccount.id)
    )
    return [(None, sid, f"{notice.dedupe_key}:s{sid}") for sid in staff_ids]


async def record_subscribe_grants(
    session: AsyncSession, *, villager_id: int, template_ids: Iterable[str], now: datetime
) -> None:
    """Each template the villager accepted in wx.requestSubscribeMessage buys exactly one send."""
    for template_id, count in Counter(t for t in template_ids if t).items():
        stmt = _insert(session)(SubscribeGrant).values(
            villager_id=villager_id, template_id=template_id, remaining=count, updated_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[SubscribeGrant.villager_id, SubscribeGrant.template_id],
            set_={"remaining": SubscribeGrant.remaining + count, "updated_at": now},
        )
        await session.execute(stmt)


async def retry_notification(
    session: AsyncSession, *, notification_id: int, actor: Actor, now: datetime
) -> Notification:
    """An admin sends a dead (or undeliverable, or not-sent) notification again, from scratch."""
    row = await session.scalar(
        select(Notification).where(Notification.id == notification_id).with_for_update()
    )
    if row is None:
        raise NotFound("通知不存在", field="notification_id")
    if Status(row.status) not in RETRYABLE_BY_ADMIN:
        raise Conflict("只能重试发送失败或未发送的通知", field="status", status=row.status)
    previous = row.status
    row.status = Status.pending.value
    row.attempts = 0
    row.next_attempt_at = now
    row.claim_token = None
    row.updated_at = now
    audit.record(
        session,
        actor=actor,
        action="notification.retry",
        target_type="notification",
        target_id=row.id,
        at=now,
        details={"from": previous, "last_error": row.last_error},
    )
    await session.flush()
    return row


async def configure_template(
    session: AsyncSession,
    *,
    kind: Kind,
    channel: Channel,
    template_id: str,
    actor: Actor,
    now: datetime,
    fields: Sequence[Mapping[str, str]] | None = None,
    page: str | None = None,
    enabled: bool = True,
) -> NotificationTemplate:
    if fields is not None:
        try:
            field_specs(kind, fields)
        except KeyError as exc:
            raise InvalidInput("每个字段需要 key 和 source", field="fields") from exc
    row = await session.scalar(
        select(NotificationTemplate).where(
            NotificationTemplate.kind == kind.value, NotificationTemplate.channel == channel.value
        )
    )
    if row is None:
        row = NotificationTemplate(kind=kind.value, channel=channel.value)
        session.add(row)
    row.template_id = template_id
    row.fields = [dict(f) for f in fields] if fields is not None else None
    row.page = page
    row.enabled = enabled
    row.updated_at = now
    await session.flush()
    audit.record(
        session,
        actor=actor,
        action="notification_template.configure",
        target_type="notification_template",
        target_id=f"{kind.value}/{channel.value}",
        at=now,
        details={"template_id": template_id, "enabled": enabled, "custom_fields": fields is not None},
    )
    return row
