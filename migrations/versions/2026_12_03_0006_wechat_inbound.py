"""wechat inbound: stored callback messages, chat-report sessions, photo downloads, and the delivery
status WeChat reports for a sent notification

Revision ID: 20261203_0006
Revises: 20261203_0005
Create Date: 2026-12-03 19:01:45.037404
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261203_0006"
down_revision: str | None = "20261203_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "inbound_messages",
        sa.Column("id", BIGINT_PK, nullable=False),
        sa.Column("app", sa.String(length=2), nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=False),
        sa.Column("msg_type", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=True),
        sa.Column("from_openid", sa.String(length=64), nullable=False),
        sa.Column("msg_id", sa.String(length=32), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reply", sa.String(length=2000), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("app IN ('oa','mp')", name=op.f("ck_inbound_messages_app")),
        sa.CheckConstraint(
            "status IN ('received','handled','failed')", name=op.f("ck_inbound_messages_status")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_inbound_messages_report_id_reports"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint("app", "dedupe_key", name=op.f("uq_inbound_messages_app_dedupe_key")),
    )
    op.create_index(
        "ix_inbound_messages_from_openid_id", "inbound_messages", ["from_openid", "id"], unique=False
    )
    op.create_index(op.f("ix_inbound_messages_report_id"), "inbound_messages", ["report_id"], unique=False)

    op.create_table(
        "chat_report_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("villager_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("texts", JSON, nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lng", sa.Double(), nullable=True),
        sa.Column("coord_system", sa.String(length=8), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('collecting','awaiting_village','closed')", name=op.f("ck_chat_report_sessions_state")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_chat_report_sessions_report_id_reports"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["villager_id"],
            ["villagers.id"],
            name=op.f("fk_chat_report_sessions_villager_id_villagers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_report_sessions")),
    )
    op.create_index(
        "ix_chat_report_sessions_villager_id_last_message_at",
        "chat_report_sessions",
        ["villager_id", "last_message_at"],
        unique=False,
    )

    op.create_table(
        "inbound_media_fetches",
        sa.Column("id", BIGINT_PK, nullable=False),
        sa.Column("inbound_message_id", BIGINT_PK, nullable=False),
        sa.Column("wechat_media_id", sa.String(length=128), nullable=False),
        sa.Column("villager_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("media_id", sa.Integer(), nullable=True),
        sa.Column("attached", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending','stored','failed')", name=op.f("ck_inbound_media_fetches_status")
        ),
        sa.ForeignKeyConstraint(
            ["inbound_message_id"],
            ["inbound_messages.id"],
            name=op.f("fk_inbound_media_fetches_inbound_message_id_inbound_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["media_id"], ["media.id"], name=op.f("fk_inbound_media_fetches_media_id_media")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_inbound_media_fetches_report_id_reports"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["chat_report_sessions.id"],
            name=op.f("fk_inbound_media_fetches_session_id_chat_report_sessions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["villager_id"],
            ["villagers.id"],
            name=op.f("fk_inbound_media_fetches_villager_id_villagers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_media_fetches")),
        sa.UniqueConstraint("inbound_message_id", name=op.f("uq_inbound_media_fetches_inbound_message_id")),
    )
    op.create_index(
        op.f("ix_inbound_media_fetches_report_id"), "inbound_media_fetches", ["report_id"], unique=False
    )
    op.create_index(
        op.f("ix_inbound_media_fetches_session_id"), "inbound_media_fetches", ["session_id"], unique=False
    )
    op.create_index(
        "ix_inbound_media_fetches_status_next_attempt_at",
        "inbound_media_fetches",
        ["status", "next_attempt_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_inbound_media_fetches_villager_id"), "inbound_media_fetches", ["villager_id"], unique=False
    )

    # The outbox row learns what WeChat reported after the send (TEMPLATESENDJOBFINISH and the like).
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("delivery_status", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("delivery_reported_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_notifications_wechat_msgid", ["wechat_msgid"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index("ix_notifications_wechat_msgid")
        batch.drop_column("delivery_reported_at")
        batch.drop_column("delivery_status")
    op.drop_index(op.f("ix_inbound_media_fetches_villager_id"), table_name="inbound_media_fetches")
    op.drop_index("ix_inbound_media_fetches_status_next_attempt_at", table_name="inbound_media_fetches")
    op.drop_index(op.f("ix_inbound_media_fetches_session_id"), table_name="inbound_media_fetches")
    op.drop_index(op.f("ix_inbound_media_fetches_report_id"), table_name="inbound_media_fetches")
    op.drop_table("inbound_media_fetches")
    op.drop_index("ix_chat_report_sessions_villager_id_last_message_at", table_name="chat_report_sessions")
    op.drop_table("chat_report_sessions")
    op.drop_index(op.f("ix_inbound_messages_report_id"), table_name="inbound_messages")
    op.drop_index("ix_inbound_messages_from_openid_id", table_name="inbound_messages")
    op.drop_table("inbound_messages")
