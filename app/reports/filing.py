"""A new report and its first timeline event as parts of one statement (PostgreSQL's data-modifying
WITH), for a channel that writes the rest of its submission in the same statement.

The mini program's submission writes six rows (the day's count, the report, its first event, its
photos, the receipt, the idempotency key) in one statement: miniprogram_api/filing.py. The rows are
those `service.add_report` writes. Parameters are named r_… and t_…, so that the other parts of the
statement can have their own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CTE, ColumnElement, Table, bindparam, insert, select
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from app.audit.service import Actor
from app.reports.models import Report, TimelineEvent
from app.reports.service import SUBMITTED_MESSAGE
from app.reports.workflow import Status

R = cast(Table, Report.__table__)
TL = cast(Table, TimelineEvent.__table__)
# What `service.report_values` gives, and the two timestamps; the other columns take their defaults.
REPORT_COLUMNS = (
    "kind",
    "category_id",
    "topic_code",
    "description",
    "lat",
    "lng",
    "coord_system",
    "address",
    "is_anonymous",
    "channel",
    "town_id",
    "village_id",
    "grid_id",
    "reporter_villager_id",
    "reporter_staff_id",
    "status",
    "submitted_at",
    "respond_due_at",
    "resolve_due_at",
    "held_for_review",
)
_GIVEN = frozenset(REPORT_COLUMNS)
_STAMPED = (*REPORT_COLUMNS, "created_at", "updated_at")
# Inside WITH, SQLAlchemy renders the columns' Python defaults but gives them no values: they are
# given here, from the model (is_public, version, …).
_DEFAULTS = {
    c.name: c.default.arg
    for c in R.c
    if c.name not in _STAMPED and isinstance(c.default, ScalarElementColumnDefault)
}
_EVENT_COLUMNS = ("at", "actor_type", "actor_id", "message")


def insert_report_after(gate: CTE) -> CTE:
    """The report, written once for each row of `gate`: one row goes ahead, none writes nothing."""
    given = [bindparam(f"r_{name}", type_=R.c[name].type) for name in _STAMPED]
    defaults = [bindparam(f"r_{name}", value, type_=R.c[name].type) for name, value in _DEFAULTS.items()]
    row = select(*given, *defaults).select_from(gate)
    columns = [*_STAMPED, *_DEFAULTS]
    return insert(R).from_select(columns, row, include_defaults=False).returning(R.c.id).cte("report")


def insert_submitted_event(report_id: ColumnElement[Any]) -> Any:
    """The report's first event (as `service.add_report` adds it) for the report `report_id` names."""
    binds = [bindparam(f"t_{name}", type_=TL.c[name].type) for name in _EVENT_COLUMNS]
    row = select(
        report_id,
        *binds,
        bindparam("t_action", "submit", type_=TL.c.action.type),
        bindparam("t_status_after", Status.submitted.value, type_=TL.c.status_after.type),
        bindparam("t_visible", True, type_=TL.c.visible_to_reporter.type),
        bindparam("t_data", {}, type_=TL.c.data.type),
    )
    names = ["report_id", *_EVENT_COLUMNS, "action", "status_after", "visible_to_reporter", "data"]
    return insert(TL).from_select(names, row)


def params(values: dict[str, Any], *, actor: Actor, now: datetime) -> dict[str, Any]:
    """The parameters of both parts, for `values` from `service.report_values`."""
    if values.keys() != _GIVEN:
        raise ValueError(f"report values do not match the statement's columns: {sorted(values)}")
    event = {"t_at": now, "t_actor_type": actor.kind, "t_actor_id": actor.id, "t_message": SUBMITTED_MESSAGE}
    return {**{f"r_{k}": v for k, v in values.items()}, "r_created_at": now, "r_updated_at": now, **event}
