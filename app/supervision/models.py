"""Supervision (督办): key supervision orders and their follow-ups, look-back re-checks, special ledgers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import Base
from app.core.models import TimestampMixin


class SupervisionOrder(TimestampMixin, Base):
    """A county key supervision order (重点督办) on one report, opened by hand or by the SLA ladder."""

    __tablename__ = "supervision_orders"
    __table_args__ = (
        CheckConstraint("source IN ('manual','sla')", name="source"),
        CheckConstraint("status IN ('open','closed')", name="status"),
        # The SLA ladder opens at most one order per report, however often it runs.
        Index(
            "uq_supervision_orders_sla_report",
            "report_id",
            unique=True,
            postgresql_where=text("source = 'sla'"),
            sqlite_where=text("source = 'sla'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="open")
    reason: Mapped[str] = mapped_column(String(500))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    opened_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    result: Mapped[str | None] = mapped_column(Text)


class SupervisionRecord(Base):
    """One act of supervision on an order: a system reminder, a phone call or an on-site visit."""

    __tablename__ = "supervision_records"
    __table_args__ = (CheckConstraint("method IN ('system','phone','on_site')", name="method"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("supervision_orders.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(10))
    by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    at: Mapped[datetime] = mapped_column()
    findings: Mapped[str] = mapped_column(Text)


class LookBack(TimestampMixin, Base):
    """A re-check (回头看) of a closed report: is the problem still solved?"""

    __tablename__ = "look_backs"
    __table_args__ = (
        CheckConstraint("outcome IS NULL OR outcome IN ('holds','recurred')", name="outcome"),
        UniqueConstraint("report_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime] = mapped_column(index=True)
    scheduled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    done_at: Mapped[datetime | None] = mapped_column()
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    outcome: Mapped[str | None] = mapped_column(String(10))
    notes: Mapped[str | None] = mapped_column(Text)


class SpecialLedger(TimestampMixin, Base):
    """A special ledger (专项台账): chosen reports pushed to the units concerned for a focused drive."""

    __tablename__ = "special_ledgers"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    pushed_at: Mapped[datetime | None] = mapped_column()


class SpecialLedgerItem(Base):
    __tablename__ = "special_ledger_items"
    __table_args__ = (UniqueConstraint("ledger_id", "report_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ledger_id: Mapped[int] = mapped_column(ForeignKey("special_ledgers.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
