"""A mini program submission's writes in one statement (PostgreSQL's data-modifying WITH).

A submission writes six rows: the day's count (the daily limit), the report, its first timeline
event, its photos, the receipt in the outbox and the idempotency key with the answer. Statement by
statement that is six round trips, each costing the service more in SQLAlchemy and asyncpg than the
database spends on it: bench/report_submit.py measured 3.9 ms of the service's CPU per submission
that way, 2.6 ms with this one statement. Each owning module gives its part, naming the report by the
id this statement gives it; the rows are the ones the step-by-step path writes
(miniprogram_api/submission.py), which tests/miniprogram/test_filing.py compares.

How the parts hold together: the report is inserted once for each row the daily count returns (one
when the count was taken, none at the limit), and every other part inserts once for each report. So
at the limit nothing at all is written. The key's part returns nothing when a twin took the key first:
the caller rolls back and replays the twin's answer, as on the step-by-step path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor
from app.idempotency import service as idempotency
from app.media import service as media_service
from app.notifications import service as notifications_service
from app.reports import filing as report_filing
from app.reports import limits
from app.reports.workflow import STATUS_LABELS, Status
from miniprogram_api import notify

_TAKEN = limits.TAKE_ONE.cte("taken")
_REPORT = report_filing.insert_report_after(_TAKEN)
_EVENT = report_filing.insert_submitted_event(_REPORT.c.id).cte("event")
_PHOTOS = media_service.attach_naming(_REPORT.c.id).cte("photos")
_RECEIPT = notifications_service.insert_naming(_REPORT.c.id).cte("receipt")
_KEY = idempotency.store_naming(_REPORT.c.id).cte("key")
# The parts nothing selects from still run: PostgreSQL runs every data-modifying WITH, once.
_FILE = select(_REPORT.c.id, select(_KEY.c.id).scalar_subquery().label("key_id")).add_cte(
    _EVENT, _PHOTOS, _RECEIPT
)


@dataclass(frozen=True, slots=True)
class Form:
    """A report form that passed its checks (all but the daily limit, which counts as it writes)."""

    values: dict[str, Any]  # the report's columns (reports_service.report_values)
    photos: list[media_service.UsablePhoto]

    def answer(self) -> dict[str, Any]:
        """The response to the submission, but for the report's id."""
        report_status = self.values["status"]
        return {
            "ledger_no": None,
            "status": report_status,
            "status_label": STATUS_LABELS[Status(report_status)],
            "held_for_review": self.values["held_for_review"],
        }


@dataclass(frozen=True, slots=True)
class RequestKey:
    """The idempotency key a submission is stored under, with its request's hash."""

    villager_id: int
    operation: str
    key: str
    digest: str

    def fields(self) -> dict[str, Any]:
        """As the idempotency service's functions name them."""
        return {
            "villager_id": self.villager_id,
            "operation": self.operation,
            "key": self.key,
            "digest": self.digest,
        }


@dataclass(frozen=True, slots=True)
class Terms:
    """What a form is filed under: its key, who files it and when, and the daily limit."""

    key: RequestKey
    actor: Actor
    now: datetime
    tz: ZoneInfo
    daily_limit: int


@dataclass(frozen=True, slots=True)
class Filed:
    report_id: int
    stored: bool  # False: a twin stored its answer under the key first (roll back, replay that answer)


async def file_at_once(session: AsyncSession, form: Form, terms: Terms) -> Filed:
    """The form's report with all that comes with it, or TooManyReports and nothing written."""
    values, now = form.values, terms.now
    villager_id = values["reporter_villager_id"]
    receipt = notify.receipt(
        villager_id=villager_id, description=values["description"], status=values["status"], now=now
    )
    params = {
        **limits.params(villager_id=villager_id, limit=terms.daily_limit, now=now, tz=terms.tz),
        **report_filing.params(values, actor=terms.actor, now=now),
        **media_service.attach_params(form.photos),
        **notifications_service.naming_params(receipt, now=now),
        **idempotency.store_params(
            **terms.key.fields(),
            now=now,
            status_code=status.HTTP_201_CREATED,
            response=form.answer(),  # the statement adds the id
        ),
    }
    row = (await session.execute(_FILE, params)).first()
    if row is None:
        raise limits.too_many(terms.daily_limit)
    return Filed(row.id, row.key_id is not None)
