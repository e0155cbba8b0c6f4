"""Stored photos (one row per distinct content) and their attachment to reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import Base
from app.core.models import TimestampMixin


class Media(TimestampMixin, Base):
    __tablename__ = "media"
    __table_args__ = (
        CheckConstraint(
            "check_status IN ('pending','pass','review','risky','unchecked')", name="check_status"
        ),
        # What the media-check-hold job scans (migration 20261204_0012): small, as photos are pending
        # for minutes.
        Index(
            "ix_media_pending_check",
            "created_at",
            postgresql_where=text("check_status = 'pending'"),
            sqlite_where=text("check_status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    mime_type: Mapped[str] = mapped_column(String(40))
    storage_key: Mapped[str] = mapped_column(String(200))
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()
    wechat_media_id: Mapped[str | None] = mapped_column(String(128), index=True)
    check_status: Mapped[str] = mapped_column(String(10), default="pending")
    check_trace_id: Mapped[str | None] = mapped_column(String(64), index=True)
    checked_at: Mapped[datetime | None] = mapped_column()
    hidden: Mapped[bool] = mapped_column(default=False)
    uploaded_by_villager_id: Mapped[int | None] = mapped_column(ForeignKey("villagers.id"))
    uploaded_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    # Where the photo was taken (WGS-84), read from the EXIF that was stripped; offered to the uploader's
    # report only when they agree, never shown to anyone else.
    gps_lat: Mapped[float | None] = mapped_column()
    gps_lng: Mapped[float | None] = mapped_column()
    # When media_check_async was asked; no answer 30 minutes later holds the photo for human review.
    check_requested_at: Mapped[datetime | None] = mapped_column()


class ReportMedia(Base):
    __tablename__ = "report_media"
    __table_args__ = (
        UniqueConstraint("report_id", "media_id", "purpose"),
        CheckConstraint("purpose IN ('report','progress','result')", name="purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(10), default="report")
    position: Mapped[int] = mapped_column(default=0)
    timeline_event_id: Mapped[int | None] = mapped_column(ForeignKey("timeline_events.id"))
