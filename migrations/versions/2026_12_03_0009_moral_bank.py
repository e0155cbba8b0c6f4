"""the moral bank: points ledger, rules, rewards, redemptions, handler pool

Revision ID: 20261203_0009
Revises: 20261203_0008
Create Date: 2026-12-03 20:35:00
"""

from collections.abc import Sequence

revision: str = "20261203_0009"
down_revision: str | None = "20261203_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
