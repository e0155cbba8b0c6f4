"""Early warnings (预警): a cluster of reports the detectors found, the reports it lists, its bulletins.

Identity (see app/warnings/reconcile.py): a warning is keyed by (kind, basis, category, subject) and
named by `signature` = "<kind>:<basis>:c<category>:<subject>:r<first report id>", unique. A cluster a
later run finds again is the same warning when it shares a report with it: its new reports are added
and `version` goes up (a new bulletin), so detection is idempotent and a growing cluster stays one
warning.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import Base
from app.core.models import BigIntPK, TimestampMixin


class WarningKind(enum.StrEnum):
    repeated = "repeated"  # 反复投诉: one reporter, or one place, again and again
    concentrated = "concentrated"  # 集中反映: several reporters, one issue, a short time
    rising = "rising"  # 类别激增: a category's week far above its trailing average


class Basis(enum.StrEnum):
    reporter = "reporter"  # repeated: the same villager
    place = "place"  # repeated: the same spot (WARNING_REPEAT_RADIUS_M)
    issue = "issue"  # concentrated: similar text, one village or nearby
    town = "town"  # rising: within one town
    county = "county"  # rising: the whole county


class WarningStatus(enum.StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    dismissed = "dismissed"


KIND_LABELS = {
    WarningKind.repeated: "反复投诉",
    WarningKind.concentrated: "集中反映",
    WarningKind.rising: "类别激增",
}
STATUS_LABELS = {
    WarningStatus.open: "待处理",
    WarningStatus.acknowledged: "已确认",
    WarningStatus.dismissed: "已排除",
}


def _in(values: type[enum.StrEnum]) -> str:
    return ",".join(f"'{v.value}'" for v in values)


class EarlyWarning(TimestampMixin, Base):
    __tablename__ = "warnings"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(WarningKind)})", name="kind"),
        CheckConstraint(f"basis IN ({_in(Basis)})", name="basis"),
        CheckConstraint(f"status IN ({_in(WarningStatus)})", name="status"),
        CheckConstraint("status <> 'dismissed' OR dismiss_reason IS NOT NULL", name="dismiss_reason"),
        # Finding a cluster's earlier warnings: same key, then shared reports.
        Index("ix_warnings_key", "kind", "basis", "category_id", "subject"),
        Index("ix_warnings_status_detected_at", "status", "detected_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    signature: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    basis: Mapped[str] = mapped_column(String(10))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    # What, besides the category, the cluster is about: "v<villager id>" (reporter), "a<area id>" (rising),
    # "-" where the shared reports alone say which cluster it is (place, issue).
    subject: Mapped[str] = mapped_column(String(40))
    # The narrowest area holding every report (village, town, or the county), and the columns the
    # console's scope reads (as on reports): null where the reports span more than one.
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    town_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=WarningStatus.open.value)
    title: Mapped[str] = mapped_column(String(200))
    # Figures behind the warning (rising: count, average, weeks; place: centre; …).
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    report_count: Mapped[int] = mapped_column(default=0)
    # Bulletin version: 1 when detected, +1 each time the cluster grows.
    version: Mapped[int] = mapped_column(default=1)
    first_report_at: Mapped[datetime] = mapped_column()
    last_report_at: Mapped[datetime] = mapped_column()
    detected_at: Mapped[datetime] = mapped_column()
    grown_at: Mapped[datetime | None] = mapped_column()
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    dismiss_reason: Mapped[str | None] = mapped_column(String(500))


class WarningReport(Base):
    """A report a warning lists, and the bulletin version that first listed it."""

    __tablename__ = "warning_reports"

    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"), primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    version: Mapped[int] = mapped_column(default=1)


class WarningBulletin(Base):
    """One bulletin (预警专报) to one supervisor for one version of a warning: its outbox row."""

    __tablename__ = "warning_bulletins"
    __table_args__ = (UniqueConstraint("warning_id", "version", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column()
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id", ondelete="CASCADE"))
    notification_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("notifications.id", ondelete="SET NULL"), index=True
    )
    written_at: Mapped[datetime] = mapped_column()
