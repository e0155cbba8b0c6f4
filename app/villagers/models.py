"""A villager's mini program sign-ins, the one-time codes that bind a staff account to a WeChat
identity, and seconds (附议) of someone else's report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import Base


class VillagerSession(Base):
    """One sign-in. The refresh token is stored as a hash and rotates on each use; presenting the
    previous one again means it was copied, and ends the session."""

    __tablename__ = "villager_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    villager_id: Mapped[int] = mapped_column(ForeignKey("villagers.id", ondelete="CASCADE"), index=True)
    # WeChat's session_key, AES-GCM encrypted with a key derived from SECRET_KEY; never sent out.
    session_key_encrypted: Mapped[str] = mapped_column(String(255))
    refresh_hash: Mapped[str] = mapped_column(String(64), unique=True)
    previous_refresh_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    refresh_expires_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    refreshed_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class StaffBindingCode(Base):
    """A one-time code issued in the console; entered in the mini program, it links the signed-in
    WeChat identity to the staff account, so the same sign-in opens the workbench."""

    __tablename__ = "staff_binding_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()


class ReportSecond(Base):
    """A villager adds their voice to an open report instead of filing a duplicate."""

    __tablename__ = "report_seconds"
    __table_args__ = (UniqueConstraint("report_id", "villager_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    villager_id: Mapped[int] = mapped_column(ForeignKey("villagers.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column()
