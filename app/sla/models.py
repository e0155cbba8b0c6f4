"""What the SLA clocks have done to a report, one row per step, and the report indexes their scans need."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import Base
from app.reports.models import Report
from app.sla.ladder import Rung

_rungs = ",".join(f"'{r.value}'" for r in Rung)


class SlaRung(Base):
    """A step of the ladder reached by a report against one deadline.

    The primary key is the claim: a job inserts the row with ON CONFLICT DO NOTHING RETURNING and only
    the inserter writes the step's timeline entry, outbox rows and supervision order, so a second process
    (or a second run) arriving at the same step gets nothing back and does nothing.
    """

    __tablename__ = "sla_rungs"
    __table_args__ = (
        CheckConstraint(f"rung IN ({_rungs})", name="rung"),
        # The county rung opens a supervision order: once per report, whatever deadline it came from.
        Index(
            "uq_sla_rungs_county_report",
            "report_id",
            unique=True,
            postgresql_where=text("rung = 'county'"),
            sqlite_where=text("rung = 'county'"),
        ),
    )

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    rung: Mapped[str] = mapped_column(String(20), primary_key=True)
    # The deadline the step was computed against: a moved deadline is a new step.
    deadline_at: Mapped[datetime] = mapped_column(primary_key=True)
    reached_at: Mapped[datetime] = mapped_column()


# Indexes on `reports` that only the clocks use, declared here beside their queries (and created by the
# scheduler migration): resolved reports waiting for a rating, and the few escalated twice.
Index("ix_reports_status_resolved_at", Report.status, Report.resolved_at)
Index(
    "ix_reports_escalated_twice",
    Report.status,
    postgresql_where=text("escalation_level >= 2"),
    sqlite_where=text("escalation_level >= 2"),
)
