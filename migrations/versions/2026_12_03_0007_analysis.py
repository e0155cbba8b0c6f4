"""analysis: the outbox's new kinds (period reports, health reports, points, redemptions); indicators'
period reports, health reports and reminder letters

Revision ID: 20261203_0007
Revises: 20261203_0006
Create Date: 2026-12-03 20:35:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261203_0007"
down_revision: str | None = "20261203_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = (
    "acknowledged,assigned,progress,resolved,rating_request,sla_warning,escalated,"
    "supervision_order,reminder_letter,warning_bulletin"
).split(",")
NEW_KINDS = [*OLD_KINDS, "period_report", "health_report", "points_earned", "redemption_ready"]


def _kinds_check(kinds: list[str]) -> None:
    listed = ",".join(f"'{k}'" for k in kinds)
    for table in ("notifications", "notification_templates"):
        # batch mode: SQLite cannot alter a CHECK constraint in place, it copies the table
        with op.batch_alter_table(table, recreate="auto") as batch:
            batch.drop_constraint(op.f(f"ck_{table}_kind"), type_="check")
            batch.create_check_constraint("kind", f"kind IN ({listed})")


def upgrade() -> None:
    _kinds_check(NEW_KINDS)


def downgrade() -> None:
    _kinds_check(OLD_KINDS)
