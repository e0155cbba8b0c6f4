"""analysis indexes: what the indicators' queries read by

Revision ID: 20261203_0010
Revises: 20261203_0009
Create Date: 2026-12-03 20:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261203_0010"
down_revision: str | None = "20261203_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name → columns; the same indexes are declared in app/analysis/indexes.py
INDEXES = {
    "ix_reports_submitted_at": ["submitted_at"],
    "ix_reports_reporter_submitted_at": ["reporter_villager_id", "submitted_at"],
    "ix_reports_category_submitted_at": ["category_id", "submitted_at"],
    "ix_reports_lat": ["lat"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "reports", columns, unique=False)


def downgrade() -> None:
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="reports")
