"""analysis: the outbox's new kinds (period reports, health reports, points, redemptions); indicators'
period reports, health reports and reminder letters

Revision ID: 20261203_0007
Revises: 20261203_0006
Create Date: 2026-12-03 20:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261203_0007"
down_revision: str | None = "20261203_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = (
    "acknowledged,assigned,progress,resolved,rating_request,sla_warning,escalated,"
    "supervision_order,reminder_letter,warning_bulletin"
).split(",")
NEW_KINDS = [*OLD_KINDS, "period_report", "health_report", "points_earned", "redemption_ready"]

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
REPORT_KINDS = "'weekly','monthly','quarterly'"
BY = "'job','staff'"


def _kinds_check(kinds: list[str]) -> None:
    listed = ",".join(f"'{k}'" for k in kinds)
    for table in ("notifications", "notification_templates"):
        # batch mode: SQLite cannot alter a CHECK constraint in place, it copies the table
        with op.batch_alter_table(table, recreate="auto") as batch:
            batch.drop_constraint(op.f(f"ck_{table}_kind"), type_="check")
            batch.create_check_constraint("kind", f"kind IN ({listed})")


def _staff_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["staff_accounts.id"], name=op.f(f"fk_{table}_{column}_staff_accounts")
    )


def _area_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["areas.id"], name=op.f(f"fk_{table}_{column}_areas"))


def _create_period_reports() -> None:
    op.create_table(
        "period_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("period_key", sa.String(length=20), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("generated_by", sa.String(length=10), nullable=False),
        sa.Column("generated_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("analysis", JSON, nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint(f"kind IN ({REPORT_KINDS})", name=op.f("ck_period_reports_kind")),
        sa.CheckConstraint(f"generated_by IN ({BY})", name=op.f("ck_period_reports_generated_by")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_period_reports_version_positive")),
        _staff_fk("period_reports", "generated_by_staff_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_reports")),
        sa.UniqueConstraint(
            "kind", "period_key", "version", name=op.f("uq_period_reports_kind_period_key_version")
        ),
    )


def _create_health_reports() -> None:
    op.create_table(
        "health_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_kind", sa.String(length=10), nullable=False),
        sa.Column("period_key", sa.String(length=20), nullable=False),
        sa.Column("unit_kind", sa.String(length=12), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("unit_name", sa.String(length=100), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=True),
        sa.Column("village_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("generated_by", sa.String(length=10), nullable=False),
        sa.Column("generated_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("period_report_id", sa.Integer(), nullable=True),
        sa.Column("indicators", JSON, nullable=False),
        sa.Column("previous", JSON, nullable=True),
        sa.Column("changes", JSON, nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("peers", sa.Integer(), nullable=False),
        sa.Column("overdue", JSON, nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "unit_kind IN ('town','village','department','handler')", name=op.f("ck_health_reports_unit_kind")
        ),
        sa.CheckConstraint(f"period_kind IN ({REPORT_KINDS})", name=op.f("ck_health_reports_period_kind")),
        sa.CheckConstraint(f"generated_by IN ({BY})", name=op.f("ck_health_reports_generated_by")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_health_reports_version_positive")),
        _staff_fk("health_reports", "generated_by_staff_id"),
        sa.ForeignKeyConstraint(
            ["period_report_id"],
            ["period_reports.id"],
            name=op.f("fk_health_reports_period_report_id_period_reports"),
        ),
        _area_fk("health_reports", "town_id"),
        _area_fk("health_reports", "village_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_reports")),
        sa.UniqueConstraint(
            "period_kind",
            "period_key",
            "unit_kind",
            "unit_id",
            "version",
            name=op.f("uq_health_reports_period_kind_period_key_unit_kind_unit_id_version"),
        ),
    )
    op.create_index("ix_health_reports_town_period", "health_reports", ["town_id", "period_key"])
    op.create_index(op.f("ix_health_reports_village_id"), "health_reports", ["village_id"])
    op.create_index(op.f("ix_health_reports_period_report_id"), "health_reports", ["period_report_id"])


def _create_letters() -> None:
    op.create_table(
        "reminder_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_kind", sa.String(length=12), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("unit_name", sa.String(length=100), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("period_kind", sa.String(length=10), nullable=False),
        sa.Column("period_key", sa.String(length=20), nullable=False),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("drafted_by", sa.String(length=10), nullable=False),
        sa.Column("drafted_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("doc_year", sa.Integer(), nullable=True),
        sa.Column("doc_seq", sa.Integer(), nullable=True),
        sa.Column("doc_no", sa.String(length=40), nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdraw_reason", sa.String(length=500), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "unit_kind IN ('village','department')", name=op.f("ck_reminder_letters_unit_kind")
        ),
        sa.CheckConstraint(
            "status IN ('draft','issued','acknowledged','withdrawn')", name=op.f("ck_reminder_letters_status")
        ),
        sa.CheckConstraint(f"period_kind IN ({REPORT_KINDS})", name=op.f("ck_reminder_letters_period_kind")),
        sa.CheckConstraint(f"drafted_by IN ({BY})", name=op.f("ck_reminder_letters_drafted_by")),
        _staff_fk("reminder_letters", "acknowledged_by_id"),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_reminder_letters_department_id_departments")
        ),
        _staff_fk("reminder_letters", "drafted_by_staff_id"),
        _staff_fk("reminder_letters", "issued_by_id"),
        _area_fk("reminder_letters", "town_id"),
        _area_fk("reminder_letters", "village_id"),
        _staff_fk("reminder_letters", "withdrawn_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_letters")),
        sa.UniqueConstraint("doc_no", name=op.f("uq_reminder_letters_doc_no")),
        sa.UniqueConstraint(
            "unit_kind",
            "unit_id",
            "period_kind",
            "period_key",
            name=op.f("uq_reminder_letters_unit_kind_unit_id_period_kind_period_key"),
        ),
    )
    op.create_index("ix_reminder_letters_period", "reminder_letters", ["period_kind", "period_key"])
    op.create_index(op.f("ix_reminder_letters_town_id"), "reminder_letters", ["town_id"])
    op.create_index(op.f("ix_reminder_letters_village_id"), "reminder_letters", ["village_id"])
    op.create_index(op.f("ix_reminder_letters_department_id"), "reminder_letters", ["department_id"])
    op.create_table(
        "letter_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_letter_counters")),
    )


def upgrade() -> None:
    _kinds_check(NEW_KINDS)
    _create_period_reports()
    _create_health_reports()
    _create_letters()


def downgrade() -> None:
    op.drop_table("letter_counters")
    for index in ("department_id", "village_id", "town_id"):
        op.drop_index(op.f(f"ix_reminder_letters_{index}"), table_name="reminder_letters")
    op.drop_index("ix_reminder_letters_period", table_name="reminder_letters")
    op.drop_table("reminder_letters")
    op.drop_index(op.f("ix_health_reports_period_report_id"), table_name="health_reports")
    op.drop_index(op.f("ix_health_reports_village_id"), table_name="health_reports")
    op.drop_index("ix_health_reports_town_period", table_name="health_reports")
    op.drop_table("health_reports")
    op.drop_table("period_reports")
    _kinds_check(OLD_KINDS)
