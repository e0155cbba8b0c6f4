"""analysis indexes: what the indicators' queries read by

Revision ID: 20261203_0010
Revises: 20261203_0009
Create Date: 2026-12-03 20:40:00
"""

from collections.abc import Sequence

revision: str = "20261203_0010"
down_revision: str | None = "20261203_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
