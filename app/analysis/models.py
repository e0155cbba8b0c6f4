"""Stored analysis: period reports and health reports (immutable, versioned) and reminder letters.

A period report or a health report is written once and never changed: a re-run that finds different
figures writes the next version beside it. The ORM refuses updates to them (`_refuse_update`), so no
code path can rewrite what was announced. Reminder letters are a workflow (draft → issued →
acknowledged, or withdrawn while draft) with a document number from a per-year counter.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from app.core.database import Base, JSONType
from app.core.models import TimestampMixin


class ReportKind(enum.StrEnum):
    weekly = "weekly"  # 周统计
    monthly = "monthly"  # 月度分析排名
    quarterly = "quarterly"  # 季度通报


REPORT_KIND_LABELS = {
    ReportKind.weekly: "周统计",
    ReportKind.monthly: "月度分析排名",
    ReportKind.quarterly: "季度通报",
}


class HealthUnit(enum.StrEnum):
    town = "town"
    village = "village"
    department = "department"
    handler = "handler"


class LetterUnit(enum.StrEnum):
    village = "village"
    department = "department"


class LetterStatus(enum.StrEnum):
    draft = "draft"
    issued = "issued"
    acknowledged = "acknowledged"
    withdrawn = "withdrawn"


LETTER_STATUS_LABELS = {
    LetterStatus.draft: "草稿",
    LetterStatus.issued: "已印发",
    LetterStatus.acknowledged: "已签收",
    LetterStatus.withdrawn: "已撤回",
}


class GeneratedBy(enum.StrEnum):
    job = "job"
    staff = "staff"


def _in(values: type[enum.StrEnum]) -> str:
    return ",".join(f"'{v.value}'" for v in values)


class ImmutableRecord(Exception):
    """Raised when code tries to change a stored report: write a new version instead."""


class PeriodReport(Base):
    """One version of a period's statistics (周统计 / 月度分析排名 / 季度通报): the Analysis as JSON."""

    __tablename__ = "period_reports"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(ReportKind)})", name="kind"),
        CheckConstraint(f"generated_by IN ({_in(GeneratedBy)})", name="generated_by"),
        CheckConstraint("version >= 1", name="version_positive"),
        UniqueConstraint("kind", "period_key", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    period_key: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column()
    generated_at: Mapped[datetime] = mapped_column()
    generated_by: Mapped[str] = mapped_column(String(10))
    generated_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    analysis: Mapped[dict[str, Any]] = mapped_column()
    # sha256 of the canonical JSON: a re-run with the same figures writes no new version.
    content_hash: Mapped[str] = mapped_column(String(64))


class HealthReport(Base):
    """One version of a unit's health report (体检报告) for a period."""

    __tablename__ = "health_reports"
    __table_args__ = (
        CheckConstraint(f"unit_kind IN ({_in(HealthUnit)})", name="unit_kind"),
        CheckConstraint(f"period_kind IN ({_in(ReportKind)})", name="period_kind"),
        CheckConstraint(f"generated_by IN ({_in(GeneratedBy)})", name="generated_by"),
        CheckConstraint("version >= 1", name="version_positive"),
        UniqueConstraint("period_kind", "period_key", "unit_kind", "unit_id", "version"),
        Index("ix_health_reports_town_period", "town_id", "period_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_kind: Mapped[str] = mapped_column(String(10))
    period_key: Mapped[str] = mapped_column(String(20))
    unit_kind: Mapped[str] = mapped_column(String(12))
    # An area id (town, village), a department id or a staff id (handler), by unit_kind.
    unit_id: Mapped[int] = mapped_column()
    unit_name: Mapped[str] = mapped_column(String(100))
    # Where the unit sits, for area scopes: every unit has a town; villages and handlers a village.
    town_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    version: Mapped[int] = mapped_column()
    generated_at: Mapped[datetime] = mapped_column()
    generated_by: Mapped[str] = mapped_column(String(10))
    generated_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    period_report_id: Mapped[int | None] = mapped_column(ForeignKey("period_reports.id"), index=True)
    indicators: Mapped[dict[str, Any]] = mapped_column()
    previous: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    changes: Mapped[dict[str, Any]] = mapped_column()
    rank: Mapped[int | None] = mapped_column()
    peers: Mapped[int] = mapped_column()
    # [{"report_id", "ledger_no", "status", "due_at"}] open and past their limit when generated.
    overdue: Mapped[list[Any]] = mapped_column(JSONType)
    content_hash: Mapped[str] = mapped_column(String(64))


class ReminderLetter(TimestampMixin, Base):
    """A reminder letter (提醒函) to a village or a department for one period."""

    __tablename__ = "reminder_letters"
    __table_args__ = (
        CheckConstraint(f"unit_kind IN ({_in(LetterUnit)})", name="unit_kind"),
        CheckConstraint(f"status IN ({_in(LetterStatus)})", name="status"),
        CheckConstraint(f"period_kind IN ({_in(ReportKind)})", name="period_kind"),
        CheckConstraint(f"drafted_by IN ({_in(GeneratedBy)})", name="drafted_by"),
        # One letter per unit and period, however often the drafting job runs.
        UniqueConstraint("unit_kind", "unit_id", "period_kind", "period_key"),
        Index("ix_reminder_letters_period", "period_kind", "period_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_kind: Mapped[str] = mapped_column(String(12))
    unit_id: Mapped[int] = mapped_column()
    unit_name: Mapped[str] = mapped_column(String(100))
    town_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    period_kind: Mapped[str] = mapped_column(String(10))
    period_key: Mapped[str] = mapped_column(String(20))
    # [{"code": "bottom_rank" | "on_time_rate" | "key_supervision_overdue", "text", ...}]
    reasons: Mapped[list[Any]] = mapped_column(JSONType)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=LetterStatus.draft.value)
    drafted_by: Mapped[str] = mapped_column(String(10))
    drafted_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    doc_year: Mapped[int | None] = mapped_column()
    doc_seq: Mapped[int | None] = mapped_column()
    # 〔2026〕第12号, given at issue.
    doc_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    issued_at: Mapped[datetime | None] = mapped_column()
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    withdraw_reason: Mapped[str | None] = mapped_column(String(500))
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    response: Mapped[str | None] = mapped_column(Text)


class LetterCounter(Base):
    """One row per calendar year; an atomic increment gives the year's next document number."""

    __tablename__ = "letter_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(default=0)


def _refuse_update(_mapper: Mapper[Any], _connection: Any, target: object) -> None:
    raise ImmutableRecord(f"{type(target).__name__} is immutable: write a new version")


for _immutable in (PeriodReport, HealthReport):
    event.listen(_immutable, "before_update", _refuse_update)
