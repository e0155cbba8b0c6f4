"""scheduler: the SLA clocks' steps per report (sla_rungs), job-run records, and the report indexes the
clocks' scans need

Revision ID: 20261203_0005
Revises: 20261203_0004
Create Date: 2026-12-03 19:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261203_0005"
down_revision: str | None = "20261203_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
RUNGS = "'remind_respond','respond','remind_resolve','town','county','rating_request'"


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("job", sa.String(length=60), nullable=False),
        sa.Column("trigger", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slot_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counts", JSON, nullable=False),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("host", sa.String(length=100), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('running','succeeded','failed','skipped')", name=op.f("ck_job_runs_outcome")
        ),
        sa.CheckConstraint("trigger IN ('schedule','catch_up','cli')", name=op.f("ck_job_runs_trigger")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    op.create_index("ix_job_runs_job_id", "job_runs", ["job", "id"], unique=False)
    op.create_index(op.f("ix_job_runs_started_at"), "job_runs", ["started_at"], unique=False)
    op.create_table(
        "sla_rungs",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("rung", sa.String(length=20), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"rung IN ({RUNGS})", name=op.f("ck_sla_rungs_rung")),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_sla_rungs_report_id_reports"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("report_id", "rung", "deadline_at", name=op.f("pk_sla_rungs")),
    )
    op.create_index(
        "uq_sla_rungs_county_report",
        "sla_rungs",
        ["report_id"],
        unique=True,
        postgresql_where=sa.text("rung = 'county'"),
        sqlite_where=sa.text("rung = 'county'"),
    )
    op.create_index(
        "ix_reports_escalated_twice",
        "reports",
        ["status"],
        unique=False,
        postgresql_where=sa.text("escalation_level >= 2"),
        sqlite_where=sa.text("escalation_level >= 2"),
    )
    op.create_index("ix_reports_status_resolved_at", "reports", ["status", "resolved_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_reports_status_resolved_at", table_name="reports")
    op.drop_index("ix_reports_escalated_twice", table_name="reports")
    op.drop_index("uq_sla_rungs_county_report", table_name="sla_rungs")
    op.drop_table("sla_rungs")
    op.drop_index(op.f("ix_job_runs_started_at"), table_name="job_runs")
    op.drop_index("ix_job_runs_job_id", table_name="job_runs")
    op.drop_table("job_runs")
