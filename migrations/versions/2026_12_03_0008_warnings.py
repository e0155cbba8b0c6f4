"""early warnings and their bulletins

Revision ID: 20261203_0008
Revises: 20261203_0007
Create Date: 2026-12-03 20:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261203_0008"
down_revision: str | None = "20261203_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("basis", sa.String(length=10), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=True),
        sa.Column("village_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("first_report_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_report_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("grown_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dismiss_reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "basis IN ('reporter','place','issue','town','county')", name=op.f("ck_warnings_basis")
        ),
        sa.CheckConstraint("kind IN ('repeated','concentrated','rising')", name=op.f("ck_warnings_kind")),
        sa.CheckConstraint("status IN ('open','acknowledged','dismissed')", name=op.f("ck_warnings_status")),
        sa.CheckConstraint(
            "status <> 'dismissed' OR dismiss_reason IS NOT NULL", name=op.f("ck_warnings_dismiss_reason")
        ),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_warnings_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_warnings_category_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["staff_accounts.id"], name=op.f("fk_warnings_decided_by_id_staff_accounts")
        ),
        sa.ForeignKeyConstraint(["town_id"], ["areas.id"], name=op.f("fk_warnings_town_id_areas")),
        sa.ForeignKeyConstraint(["village_id"], ["areas.id"], name=op.f("fk_warnings_village_id_areas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warnings")),
        sa.UniqueConstraint("signature", name=op.f("uq_warnings_signature")),
    )
    op.create_index("ix_warnings_key", "warnings", ["kind", "basis", "category_id", "subject"], unique=False)
    op.create_index("ix_warnings_status_detected_at", "warnings", ["status", "detected_at"], unique=False)
    op.create_index(op.f("ix_warnings_town_id"), "warnings", ["town_id"], unique=False)
    op.create_index(op.f("ix_warnings_village_id"), "warnings", ["village_id"], unique=False)
    op.create_table(
        "warning_reports",
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_warning_reports_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"],
            ["warnings.id"],
            name=op.f("fk_warning_reports_warning_id_warnings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("warning_id", "report_id", name=op.f("pk_warning_reports")),
    )
    op.create_index(op.f("ix_warning_reports_report_id"), "warning_reports", ["report_id"], unique=False)
    op.create_table(
        "warning_bulletins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("notification_id", BIGINT_PK, nullable=True),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_warning_bulletins_notification_id_notifications"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_warning_bulletins_staff_id_staff_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"],
            ["warnings.id"],
            name=op.f("fk_warning_bulletins_warning_id_warnings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_bulletins")),
        sa.UniqueConstraint(
            "warning_id", "version", "staff_id", name=op.f("uq_warning_bulletins_warning_id_version_staff_id")
        ),
    )
    op.create_index(
        op.f("ix_warning_bulletins_notification_id"), "warning_bulletins", ["notification_id"], unique=False
    )
    op.create_index(
        op.f("ix_warning_bulletins_warning_id"), "warning_bulletins", ["warning_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_warning_bulletins_warning_id"), table_name="warning_bulletins")
    op.drop_index(op.f("ix_warning_bulletins_notification_id"), table_name="warning_bulletins")
    op.drop_table("warning_bulletins")
    op.drop_index(op.f("ix_warning_reports_report_id"), table_name="warning_reports")
    op.drop_table("warning_reports")
    op.drop_index(op.f("ix_warnings_village_id"), table_name="warnings")
    op.drop_index(op.f("ix_warnings_town_id"), table_name="warnings")
    op.drop_index("ix_warnings_status_detected_at", table_name="warnings")
    op.drop_index("ix_warnings_key", table_name="warnings")
    op.drop_table("warnings")
