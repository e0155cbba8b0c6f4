"""miniprogram: villager sign-ins, staff binding codes, idempotency keys, upload ownership, seconds (附议),
and the photo columns for the EXIF position and the media check's start

Revision ID: 20261203_0003
Revises: 20261203_0002
Create Date: 2026-12-03 18:03:07.982264
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261203_0003"
down_revision: str | None = "20261203_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("villager_id", sa.Integer(), nullable=False),
        sa.Column("operation", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column(
            "response",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["villager_id"],
            ["villagers.id"],
            name=op.f("fk_idempotency_keys_villager_id_villagers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint(
            "villager_id", "operation", "key", name=op.f("uq_idempotency_keys_villager_id_operation_key")
        ),
    )
    op.create_index(op.f("ix_idempotency_keys_created_at"), "idempotency_keys", ["created_at"], unique=False)
    op.create_table(
        "villager_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("villager_id", sa.Integer(), nullable=False),
        sa.Column("session_key_encrypted", sa.String(length=255), nullable=False),
        sa.Column("refresh_hash", sa.String(length=64), nullable=False),
        sa.Column("previous_refresh_hash", sa.String(length=64), nullable=True),
        sa.Column("refresh_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["villager_id"],
            ["villagers.id"],
            name=op.f("fk_villager_sessions_villager_id_villagers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_villager_sessions")),
        sa.UniqueConstraint("previous_refresh_hash", name=op.f("uq_villager_sessions_previous_refresh_hash")),
        sa.UniqueConstraint("refresh_hash", name=op.f("uq_villager_sessions_refresh_hash")),
    )
    op.create_index(
        op.f("ix_villager_sessions_villager_id"), "villager_sessions", ["villager_id"], unique=False
    )
    op.create_table(
        "staff_binding_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_staff_binding_codes_staff_id_staff_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_binding_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_staff_binding_codes_code_hash")),
    )
    op.create_index(
        op.f("ix_staff_binding_codes_staff_id"), "staff_binding_codes", ["staff_id"], unique=False
    )
    op.create_table(
        "media_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("villager_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["media_id"], ["media.id"], name=op.f("fk_media_uploads_media_id_media"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["villager_id"],
            ["villagers.id"],
            name=op.f("fk_media_uploads_villager_id_villagers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_uploads")),
        sa.UniqueConstraint("media_id", "villager_id", name=op.f("uq_media_uploads_media_id_villager_id")),
    )
    op.create_index(op.f("ix_media_uploads_villager_id"), "media_uploads", ["villager_id"], unique=False)
    op.create_table(
        "report_seconds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("villager_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_report_seconds_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["villager_id"],
            ["villagers.id"],
            name=op.f("fk_report_seconds_villager_id_villagers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_seconds")),
        sa.UniqueConstraint("report_id", "villager_id", name=op.f("uq_report_seconds_report_id_villager_id")),
    )
    op.create_index(op.f("ix_report_seconds_villager_id"), "report_seconds", ["villager_id"], unique=False)
    # Batch mode: SQLite rebuilds the table where it cannot alter it; PostgreSQL alters in place.
    with op.batch_alter_table("media") as batch:
        batch.add_column(sa.Column("gps_lat", sa.Double(), nullable=True))
        batch.add_column(sa.Column("gps_lng", sa.Double(), nullable=True))
        batch.add_column(sa.Column("check_requested_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.drop_column("check_requested_at")
        batch.drop_column("gps_lng")
        batch.drop_column("gps_lat")
    op.drop_index(op.f("ix_report_seconds_villager_id"), table_name="report_seconds")
    op.drop_table("report_seconds")
    op.drop_index(op.f("ix_media_uploads_villager_id"), table_name="media_uploads")
    op.drop_table("media_uploads")
    op.drop_index(op.f("ix_staff_binding_codes_staff_id"), table_name="staff_binding_codes")
    op.drop_table("staff_binding_codes")
    op.drop_index(op.f("ix_villager_sessions_villager_id"), table_name="villager_sessions")
    op.drop_table("villager_sessions")
    op.drop_index(op.f("ix_idempotency_keys_created_at"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
