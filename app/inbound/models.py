"""What WeChat pushes to us, kept as rows: every verified message or event (deduplicated), the chat
conversations that become reports, and the downloads of the photos sent in them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import Base, JSONType
from app.core.models import BigIntPK


class InboundMessage(Base):
    """One message or event as WeChat delivered it, stored before anything is done with it.

    `dedupe_key` is protocol.dedupe_key (MsgId for messages, sender + CreateTime + Event for events):
    WeChat's retries of one message find this row and get the same `reply`, and nothing is done twice.
    """

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("app", "dedupe_key"),
        CheckConstraint("app IN ('oa','mp')", name="app"),
        CheckConstraint("status IN ('received','handled','failed')", name="status"),
        Index("ix_inbound_messages_from_openid_id", "from_openid", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    app: Mapped[str] = mapped_column(String(2))
    dedupe_key: Mapped[str] = mapped_column(String(255))
    msg_type: Mapped[str] = mapped_column(String(32))
    event: Mapped[str | None] = mapped_column(String(64))
    from_openid: Mapped[str] = mapped_column(String(64))
    # A 64-bit number of unstated sign: text, never int.
    msg_id: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None] = mapped_column()  # CreateTime
    received_at: Mapped[datetime] = mapped_column()
    # The decrypted, verified fields only (never the plain fields beside <Encrypt>).
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(10), default="received")
    # The passive reply's text, so that a retry of this message is answered alike.
    reply: Mapped[str | None] = mapped_column(String(2000))
    error: Mapped[str | None] = mapped_column(String(300))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"), index=True)
    handled_at: Mapped[datetime | None] = mapped_column()


class ChatSession(Base):
    """What one follower sent the Official Account within the chat window: it becomes one report.

    collecting: waiting for a description (photos and a location are held until it comes), or, once
    `report_id` is set, adding what follows to that report; awaiting_village: the description is held
    until the follower names their village; closed: a new conversation starts with the next message.
    """

    __tablename__ = "chat_report_sessions"
    __table_args__ = (
        CheckConstraint("state IN ('collecting','awaiting_village','closed')", name="state"),
        Index("ix_chat_report_sessions_villager_id_last_message_at", "villager_id", "last_message_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    villager_id: Mapped[int] = mapped_column(ForeignKey("villagers.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="collecting")
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"))
    # Description parts held until the report can be made.
    texts: Mapped[list[str]] = mapped_column(JSONType, default=list)
    lat: Mapped[float | None] = mapped_column()
    lng: Mapped[float | None] = mapped_column()
    coord_system: Mapped[str | None] = mapped_column(String(8))
    address: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column()
    last_message_at: Mapped[datetime] = mapped_column()


class MediaFetch(Base):
    """A photo sent by chat: temporary media that WeChat deletes after 3 days, downloaded by the
    media-fetch job (and a first attempt right after the reply) until it is stored, or it fails."""

    __tablename__ = "inbound_media_fetches"
    __table_args__ = (
        CheckConstraint("status IN ('pending','stored','failed')", name="status"),
        Index("ix_inbound_media_fetches_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    inbound_message_id: Mapped[int] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="CASCADE"), unique=True
    )
    wechat_media_id: Mapped[str] = mapped_column(String(128))
    villager_id: Mapped[int] = mapped_column(ForeignKey("villagers.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("chat_report_sessions.id", ondelete="SET NULL"), index=True
    )
    # Set when the photo's conversation has its report; the photo is attached once both are there.
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column()
    claim_token: Mapped[str | None] = mapped_column(String(32))
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"))
    attached: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str | None] = mapped_column(String(300))
    # WeChat keeps temporary media for 3 days; past this, trying again is pointless.
    expires_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    stored_at: Mapped[datetime | None] = mapped_column()
