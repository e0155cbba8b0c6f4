"""Which reports a villager may see: their own, and what the staff made public (公开).

`is_public` is the staff's decision (publishing praise sets it; the console sets it on a problem).
Nearby reports are another matter: a neighbour sees an open report there only to second it, with no
reporter details, and never in categories about private matters (disputes, hardship, conduct, people).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select

from app.categories.models import Category
from app.reports.models import Report
from app.reports.workflow import OPEN_STATUSES, Status

PRIVATE_CATEGORY_CODES = frozenset(
    {"neighbour_dispute", "difficulty", "supervise_conduct", "special_groups", "strangers", "telecom_fraud"}
)
_OPEN = [s.value for s in OPEN_STATUSES]


def public() -> ColumnElement[bool]:
    # Held for review (msg_sec_check said "review") stays out of public view whatever the flag says.
    return and_(Report.is_public.is_(True), Report.held_for_review.is_(False))


def disclosed() -> ColumnElement[bool]:
    """The feed: public problems that were resolved (and not rated unsatisfied), and published praise."""
    resolved_problem = and_(
        Report.kind == "problem",
        Report.status.in_([Status.resolved.value, Status.closed.value]),
        Report.resolved_at.is_not(None),
        or_(Report.rating.is_(None), Report.rating != "unsatisfied"),
    )
    published_praise = and_(Report.kind == "praise", Report.status == Status.published.value)
    return and_(public(), or_(resolved_problem, published_praise))


def secondable() -> ColumnElement[bool]:
    """Open reports a neighbour may find nearby and second."""
    shareable = Report.category_id.in_(
        select(Category.id).where(Category.code.not_in(PRIVATE_CATEGORY_CODES))
    )
    return and_(Report.status.in_(_OPEN), Report.held_for_review.is_(False), shareable)


def visible_to(villager_id: int) -> ColumnElement[bool]:
    return or_(Report.reporter_villager_id == villager_id, public())
