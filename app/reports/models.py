"""Reports (工单), their timeline, and the counter behind ledger numbers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.areas.models import Area
from app.categories.models import Category
from app.core.database import Base
from app.core.models import BigIntPK, TimestampMixin

STATUSES = (
    "submitted",
    "accepted",
    "rejected",
    "assigned",
    "in_progress",
    "resolved",
    "closed",
    "acknowledged",
    "published",
    "forwarded",
)
_status_list = ",".join(f"'{s}'" for s in STATUSES)


class Report(TimestampMixin, Base):
    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint(f"status IN ({_status_list})", name="status"),
        CheckConstraint("kind IN ('problem','praise','alert')", name="kind"),
        CheckConstraint("coord_system IS NULL OR coord_system IN ('gcj02','wgs84')", name="coord_system"),
        CheckConstraint("lat IS NULL OR (lat >= -90 AND lat <= 90)", name="lat_range"),
        CheckConstraint("lng IS NULL OR (lng >= -180 AND lng <= 180)", name="lng_range"),
        CheckConstraint("rating IS NULL OR rating IN ('satisfied','basically','unsatisfied')", name="rating"),
        Index("ix_reports_village_status", "village_id", "status"),
        Index("ix_reports_status_respond_due", "status", "respond_due_at"),
        Index("ix_reports_status_resolve_due", "status", "resolve_due_at"),
        # A staff filing's Idempotency-Key (migration 20261204_0013).
        Index(
            "uq_reports_staff_client_key",
            "reporter_staff_id",
            "client_key",
            unique=True,
            postgresql_where=text("client_key IS NOT NULL"),
            sqlite_where=text("client_key IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # 台账编号: given on acceptance, unique in the county.
    ledger_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    topic_code: Mapped[str | None] = mapped_column(ForeignKey("topics.code"))
    description: Mapped[str] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column()
    lng: Mapped[float | None] = mapped_column()
    coord_system: Mapped[str | None] = mapped_column(String(8))
    address: Mapped[str | None] = mapped_column(String(200))
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    is_public: Mapped[bool] = mapped_column(default=False)
    channel: Mapped[str] = mapped_column(String(20), default="miniprogram")

    town_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    reporter_villager_id: Mapped[int | None] = mapped_column(ForeignKey("villagers.id"), index=True)
    reporter_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    # The Idempotency-Key a staff member filed it under (console filing); villagers' keys are elsewhere.
    client_key: Mapped[str | None] = mapped_column(String(64))

    status: Mapped[str] = mapped_column(String(20), default="submitted")
    submitted_at: Mapped[datetime] = mapped_column()
    respond_due_at: Mapped[datetime | None] = mapped_column()
    resolve_due_at: Mapped[datetime | None] = mapped_column()
    accepted_at: Mapped[datetime | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()

    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    assignee_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), index=True)
    assignee_team: Mapped[str | None] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    escalation_level: Mapped[int] = mapped_column(default=0)
    reopen_count: Mapped[int] = mapped_column(default=0)
    reject_reason: Mapped[str | None] = mapped_column(String(20))
    close_reason: Mapped[str | None] = mapped_column(String(20))
    result_summary: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[str | None] = mapped_column(String(12))
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    # 1–3, set by the intake cadre on acceptance; the moral bank awards the reporter by it.
    quality_grade: Mapped[int | None] = mapped_column(
        SmallInteger, CheckConstraint("quality_grade BETWEEN 1 AND 3", name="quality_grade")
    )
    extension_requested_until: Mapped[datetime | None] = mapped_column()
    extension_reason: Mapped[str | None] = mapped_column(String(500))
    bounce_reason: Mapped[str | None] = mapped_column(String(500))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    held_for_review: Mapped[bool] = mapped_column(default=False)
    key_supervision: Mapped[bool] = mapped_column(default=False)
    # Optimistic concurrency: a stale version on an update is a conflict, not a lost write.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    category: Mapped[Category] = relationship(lazy="raise")
    village: Mapped[Area] = relationship(foreign_keys=[village_id], lazy="raise")
    timeline: Mapped[list[TimelineEvent]] = relationship(
        back_populates="report", lazy="raise", order_by="TimelineEvent.id"
    )


class TimelineEvent(Base):
    """Append-only progress of a report; what the reporter sees as live feedback."""

    __tablename__ = "timeline_events"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column()
    action: Mapped[str] = mapped_column(String(30))
    status_after: Mapped[str] = mapped_column(String(20))
    actor_type: Mapped[str] = mapped_column(String(10))  # villager | staff | system
    actor_id: Mapped[int | None] = mapped_column()
    message: Mapped[str] = mapped_column(String(500))
    # Internal notes (bounce-back basis, supervision remarks) are kept off the reporter's view.
    visible_to_reporter: Mapped[bool] = mapped_column(default=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    report: Mapped[Report] = relationship(back_populates="timeline", lazy="raise")


class LedgerCounter(Base):
    """One row per local calendar day; an atomic increment gives the day's next ledger number."""

    __tablename__ = "ledger_counters"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


class DailyReportCount(Base):
    """How many reports a villager made on one local calendar day, whatever the channel: the daily
    limit is one conditional upsert on this row, which also queues that villager's concurrent
    submissions behind each other (app/reports/limits.py)."""

    __tablename__ = "daily_report_counts"

    villager_id: Mapped[int] = mapped_column(ForeignKey("villagers.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    reports: Mapped[int] = mapped_column(default=0)
