"""daily report counts: the per-villager daily limit as one conditional upsert

Revision ID: 20261204_0011
Revises: 20261203_0010
Create Date: 2026-12-04 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261204_0011"
down_revision: str | None = "20261203_0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No backfill: a villager's first count of a day is taken from that day's reports (limits.py).
    op.create_table(
        "daily_report_counts",
        sa.Column("villager_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["villager_id"],
            ["villagers.id"],
            name=op.f("fk_daily_report_counts_villager_id_villagers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("villager_id", "day", name=op.f("pk_daily_report_counts")),
    )


def downgrade() -> None:
    op.drop_table("daily_report_counts")
