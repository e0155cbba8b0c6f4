"""wechat outbox: the shared access_tokens, the notification outbox, templates and subscribe grants

Revision ID: 20261203_0002
Revises: 20261203_0001
Create Date: 2026-12-03 18:02:32.670617
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261203_0002"
down_revision: str | None = "20261203_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
    "'acknowledged','assigned','progress','resolved','rating_request','sla_warning','escalated',"
    "'supervision_order','reminder_letter','warning_bulletin'"
)
CHANNELS = "'mp_subscribe','oa_template'"
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "wechat_access_tokens",
        sa.Column("appid", sa.String(length=40), nullable=False),
        sa.Column("access_token", sa.String(length=1024), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("forced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("forced_day", sa.Date(), nullable=True),
        sa.Column("forced_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("appid", name=op.f("pk_wechat_access_tokens")),
    )
    op.create_table(
        "notification_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("fields", JSON, nullable=True),
        sa.Column("page", sa.String(length=200), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"channel IN ({CHANNELS})", name=op.f("ck_notification_templates_channel")),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_notification_templates_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_templates")),
        sa.UniqueConstraint("kind", "channel", name=op.f("uq_notification_templates_kind_channel")),
    )
    op.create_table(
        "subscribe_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("villager_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("remaining >= 0", name=op.f("ck_subscribe_grants_remaining_not_negative")),
        sa.ForeignKeyConstraint(
            ["villager_id"],
            ["villagers.id"],
            name=op.f("fk_subscribe_grants_villager_id_villagers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscribe_grants")),
        sa.UniqueConstraint(
            "villager_id", "template_id", name=op.f("uq_subscribe_grants_villager_id_template_id")
        ),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("villager_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("template_id", sa.String(length=64), nullable=True),
        sa.Column("client_msg_id", sa.String(length=32), nullable=False),
        sa.Column("wechat_msgid", sa.String(length=32), nullable=True),
        sa.Column("last_errcode", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            f"channel IS NULL OR channel IN ({CHANNELS})", name=op.f("ck_notifications_channel")
        ),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_notifications_kind")),
        sa.CheckConstraint(
            "status IN ('pending','sent','dead','undeliverable','not_sent')",
            name=op.f("ck_notifications_status"),
        ),
        sa.CheckConstraint(
            "(villager_id IS NULL) <> (staff_id IS NULL)", name=op.f("ck_notifications_one_recipient")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_notifications_report_id_reports"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_notifications_staff_id_staff_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["villager_id"],
            ["villagers.id"],
            name=op.f("fk_notifications_villager_id_villagers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notifications_dedupe_key")),
    )
    op.create_index(op.f("ix_notifications_report_id"), "notifications", ["report_id"], unique=False)
    op.create_index(op.f("ix_notifications_staff_id"), "notifications", ["staff_id"], unique=False)
    op.create_index(op.f("ix_notifications_villager_id"), "notifications", ["villager_id"], unique=False)
    op.create_index(
        "ix_notifications_status_next_attempt_at",
        "notifications",
        ["status", "next_attempt_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_status_next_attempt_at", table_name="notifications")
    op.drop_index(op.f("ix_notifications_villager_id"), table_name="notifications")
    op.drop_index(op.f("ix_notifications_staff_id"), table_name="notifications")
    op.drop_index(op.f("ix_notifications_report_id"), table_name="notifications")
    op.drop_table("notifications")
    op.drop_table("subscribe_grants")
    op.drop_table("notification_templates")
    op.drop_table("wechat_access_tokens")
