"""staff filing: the idempotency key of a report staff filed (a grid worker on patrol)

Revision ID: 20261204_0013
Revises: 20261204_0012
Create Date: 2026-12-04 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261204_0013"
down_revision: str | None = "20261204_0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYED = sa.text("client_key IS NOT NULL")


def upgrade() -> None:
    op.add_column("reports", sa.Column("client_key", sa.String(length=64), nullable=True))
    # A retry of the same filing finds the report its first attempt made, never a second one.
    op.create_index(
        "uq_reports_staff_client_key",
        "reports",
        ["reporter_staff_id", "client_key"],
        unique=True,
        postgresql_where=KEYED,
        sqlite_where=KEYED,
    )


def downgrade() -> None:
    op.drop_index("uq_reports_staff_client_key", table_name="reports")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("client_key")
