"""Categories of what people report (kind × category, tagged by topic) and their SLA policies."""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.database import Base
from app.core.models import TimestampMixin


class Kind(enum.StrEnum):
    problem = "problem"
    praise = "praise"
    alert = "alert"


KIND_LABELS = {Kind.problem: "问题", Kind.praise: "点赞", Kind.alert: "提醒"}


class SlaPolicy(TimestampMixin, Base):
    """The county's promise for a category, and the ladder a report climbs when it is missed."""

    __tablename__ = "sla_policies"
    __table_args__ = (CheckConstraint("respond_minutes > 0 AND handle_hours > 0", name="positive_limits"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    respond_minutes: Mapped[int] = mapped_column(default=30)
    handle_hours: Mapped[int] = mapped_column(default=24)
    remind_before_respond_minutes: Mapped[int] = mapped_column(default=10)
    remind_before_handle_minutes: Mapped[int] = mapped_column(default=240)
    # Past this many hours from submission an open report becomes a county key supervision order.
    key_supervision_hours: Mapped[int] = mapped_column(default=48)


class Category(TimestampMixin, Base):
    __tablename__ = "categories"
    __table_args__ = (CheckConstraint("kind IN ('problem','praise','alert')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(50))
    sort_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    sla_policy_id: Mapped[int] = mapped_column(ForeignKey("sla_policies.id"))

    sla_policy: Mapped[SlaPolicy] = relationship(lazy="raise")


class Topic(Base):
    """Cross-cutting subjects (医疗, 反诈防骗, …) a report can be tagged with."""

    __tablename__ = "topics"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    sort_order: Mapped[int] = mapped_column(default=0)
