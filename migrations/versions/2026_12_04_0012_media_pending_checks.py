"""media pending checks: the photos the media-check-hold job looks at, indexed on their own

Revision ID: 20261204_0012
Revises: 20261204_0011
Create Date: 2026-12-04 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261204_0012"
down_revision: str | None = "20261204_0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("check_status = 'pending'")


def upgrade() -> None:
    # Partial: a photo is pending for minutes, so the index stays small however many photos there are.
    op.create_index(
        "ix_media_pending_check", "media", ["created_at"], postgresql_where=PENDING, sqlite_where=PENDING
    )


def downgrade() -> None:
    op.drop_index("ix_media_pending_check", table_name="media")
