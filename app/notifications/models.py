"""The outbox, the template configuration, and the subscribe grants villagers hand us."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import Base, JSONType
from app.core.models import BigIntPK
from app.notifications.kinds import Channel, Kind, Status, sql_in


class Notification(Base):
    """One message to one person. Written with the change that causes it; sent later by the dispatcher."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_in(Status)})", name="status"),
        CheckConstraint(f"kind IN ({sql_in(Kind)})", name="kind"),
        CheckConstraint(f"channel IS NULL OR channel IN ({sql_in(Channel)})", name="channel"),
        CheckConstraint("(villager_id IS NULL) <> (staff_id IS NULL)", name="one_recipient"),
        # What the dispatcher asks for: pending rows due now, oldest first.
        Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
        # WeChat's delivery reports name the row by the msgid it answered the send with.
        Index("ix_notifications_wechat_msgid", "wechat_msgid"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # One notification per cause, however often the cause is retried ("ack:<report_id>", …).
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    villager_id: Mapped[int | None] = mapped_column(
        ForeignKey("villagers.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    # Semantic values (ledger_no, title, status, time, …); cut to WeChat's limits only when sent.
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default=Status.pending.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column()
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column()
    channel: Mapped[str | None] = mapped_column(String(16))
    template_id: Mapped[str | None] = mapped_column(String(64))
    # Stable per row: WeChat drops a template message resent with the same id within 10 minutes.
    client_msg_id: Mapped[str] = mapped_column(String(32))
    wechat_msgid: Mapped[str | None] = mapped_column(String(32))
    last_errcode: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None] = mapped_column()
    # What WeChat reported after accepting the send (app.inbound.delivery): TEMPLATESENDJOBFINISH's
    # Status ("success", "failed:user block", "failed: system failed") or subscribe_msg_sent_event's.
    delivery_status: Mapped[str | None] = mapped_column(String(40))
    delivery_reported_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class NotificationTemplate(Base):
    """Which WeChat template a kind uses on a channel, and how its fields are filled (admin-editable).

    `fields` is a list of {"key": "thing2", "source": "title"} (type from the key's prefix, or "type");
    null means the built-in layout for the kind (app.notifications.templates.DEFAULT_FIELDS).
    """

    __tablename__ = "notification_templates"
    __table_args__ = (
        UniqueConstraint("kind", "channel"),
        CheckConstraint(f"kind IN ({sql_in(Kind)})", name="kind"),
        CheckConstraint(f"channel IN ({sql_in(Channel)})", name="channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(16))
    template_id: Mapped[str] = mapped_column(String(64))
    fields: Mapped[list[dict[str, str]] | None] = mapped_column(JSONType)
    page: Mapped[str | None] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column()


class SubscribeGrant(Base):
    """Sends a villager has bought for one subscribe template: each accept in wx.requestSubscribeMessage
    adds one, each delivered subscribe message spends one."""

    __tablename__ = "subscribe_grants"
    __table_args__ = (
        UniqueConstraint("villager_id", "template_id"),
        CheckConstraint("remaining >= 0", name="remaining_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    villager_id: Mapped[int] = mapped_column(ForeignKey("villagers.id", ondelete="CASCADE"))
    template_id: Mapped[str] = mapped_column(String(64))
    remaining: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column()
