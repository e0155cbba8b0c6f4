"""supervision

Revision ID: 20261203_0004
Revises: 20261203_0003
Create Date: 2026-12-03 18:02:43.133636
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261203_0004"
down_revision: str | None = "20261203_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "special_ledgers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_special_ledgers_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_accounts.id"],
            name=op.f("fk_special_ledgers_created_by_id_staff_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_special_ledgers")),
    )
    op.create_table(
        "look_backs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scheduled_by_id", sa.Integer(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('holds','recurred')", name=op.f("ck_look_backs_outcome")
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["staff_accounts.id"], name=op.f("fk_look_backs_done_by_id_staff_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_look_backs_report_id_reports"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["scheduled_by_id"],
            ["staff_accounts.id"],
            name=op.f("fk_look_backs_scheduled_by_id_staff_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_look_backs")),
        sa.UniqueConstraint("report_id", "due_at", name=op.f("uq_look_backs_report_id_due_at")),
    )
    op.create_index(op.f("ix_look_backs_due_at"), "look_backs", ["due_at"], unique=False)
    op.create_index(op.f("ix_look_backs_report_id"), "look_backs", ["report_id"], unique=False)
    op.create_table(
        "special_ledger_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ledger_id"],
            ["special_ledgers.id"],
            name=op.f("fk_special_ledger_items_ledger_id_special_ledgers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_special_ledger_items_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_special_ledger_items")),
        sa.UniqueConstraint(
            "ledger_id", "report_id", name=op.f("uq_special_ledger_items_ledger_id_report_id")
        ),
    )
    op.create_index(
        op.f("ix_special_ledger_items_ledger_id"), "special_ledger_items", ["ledger_id"], unique=False
    )
    op.create_index(
        op.f("ix_special_ledger_items_report_id"), "special_ledger_items", ["report_id"], unique=False
    )
    op.create_table(
        "supervision_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("source IN ('manual','sla')", name=op.f("ck_supervision_orders_source")),
        sa.CheckConstraint("status IN ('open','closed')", name=op.f("ck_supervision_orders_status")),
        sa.ForeignKeyConstraint(
            ["opened_by_id"],
            ["staff_accounts.id"],
            name=op.f("fk_supervision_orders_opened_by_id_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_supervision_orders_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_orders")),
    )
    op.create_index(
        op.f("ix_supervision_orders_report_id"), "supervision_orders", ["report_id"], unique=False
    )
    op.create_index(
        "uq_supervision_orders_sla_report",
        "supervision_orders",
        ["report_id"],
        unique=True,
        postgresql_where=sa.text("source = 'sla'"),
        sqlite_where=sa.text("source = 'sla'"),
    )
    op.create_table(
        "supervision_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("by_staff_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "method IN ('system','phone','on_site')", name=op.f("ck_supervision_records_method")
        ),
        sa.ForeignKeyConstraint(
            ["by_staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_supervision_records_by_staff_id_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["supervision_orders.id"],
            name=op.f("fk_supervision_records_order_id_supervision_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_records")),
    )
    op.create_index(
        op.f("ix_supervision_records_order_id"), "supervision_records", ["order_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_supervision_records_order_id"), table_name="supervision_records")
    op.drop_table("supervision_records")
    op.drop_index(
        "uq_supervision_orders_sla_report",
        table_name="supervision_orders",
        postgresql_where=sa.text("source = 'sla'"),
        sqlite_where=sa.text("source = 'sla'"),
    )
    op.drop_index(op.f("ix_supervision_orders_report_id"), table_name="supervision_orders")
    op.drop_table("supervision_orders")
    op.drop_index(op.f("ix_special_ledger_items_report_id"), table_name="special_ledger_items")
    op.drop_index(op.f("ix_special_ledger_items_ledger_id"), table_name="special_ledger_items")
    op.drop_table("special_ledger_items")
    op.drop_index(op.f("ix_look_backs_report_id"), table_name="look_backs")
    op.drop_index(op.f("ix_look_backs_due_at"), table_name="look_backs")
    op.drop_table("look_backs")
    op.drop_table("special_ledgers")
