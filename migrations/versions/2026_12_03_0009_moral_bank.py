"""the moral bank: points ledger, rules, rewards, redemptions, handler pool

Revision ID: 20261203_0009
Revises: 20261203_0008
Create Date: 2026-12-03 20:35:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261203_0009"
down_revision: str | None = "20261203_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)

# The rules in force from the start (version 1); later versions are made by an administrator.
FIRST_RULES = {
    "accepted_points": [2, 5, 10],
    "default_grade": 1,
    "confirmed_bonus": {"problem": 3, "praise": 3, "alert": 5},
    "handler_on_time": 5,
    "handler_late": 1,
    "handler_rating": {"satisfied": 5, "basically": 2, "unrated": 0},
    "reporter_daily_cap": 30,
    "reporter_monthly_cap": 200,
    "pool_leave_below": 1,
    "pool_join_min_points": 30,
    "pool_join_top": 3,
}
APPEND_ONLY = "points_entries is append-only: post a reversing entry instead"


def upgrade() -> None:
    op.add_column(
        "reports",
        sa.Column(
            "quality_grade",
            sa.SmallInteger(),
            sa.CheckConstraint("quality_grade BETWEEN 1 AND 3", name=op.f("ck_reports_quality_grade")),
            nullable=True,
        ),
    )
    rules = op.create_table(
        "points_rule_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("params", JSON, nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("effective_from", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_accounts.id"],
            name=op.f("fk_points_rule_versions_created_by_id_staff_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_rule_versions")),
    )
    op.create_index(
        op.f("ix_points_rule_versions_effective_from"),
        "points_rule_versions",
        ["effective_from"],
        unique=False,
    )
    start = datetime(2023, 1, 1, tzinfo=UTC)
    op.bulk_insert(
        rules, [{"params": FIRST_RULES, "note": "初始规则", "effective_from": start, "created_at": start}]
    )

    op.create_table(
        "points_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("villager_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(
            "(villager_id IS NULL) <> (staff_id IS NULL)", name=op.f("ck_points_accounts_one_holder")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_accounts.id"], name=op.f("fk_points_accounts_staff_id_staff_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["villager_id"], ["villagers.id"], name=op.f("fk_points_accounts_villager_id_villagers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_accounts")),
        sa.UniqueConstraint("staff_id", name=op.f("uq_points_accounts_staff_id")),
        sa.UniqueConstraint("villager_id", name=op.f("uq_points_accounts_villager_id")),
    )

    op.create_table(
        "rewards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("value_fen", sa.Integer(), nullable=False),
        sa.Column("points_price", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("points_price > 0", name=op.f("ck_rewards_price_positive")),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_rewards_stock_not_negative")),
        sa.CheckConstraint("value_fen >= 0", name=op.f("ck_rewards_value_not_negative")),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_rewards_area_id_areas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards")),
    )
    op.create_index(op.f("ix_rewards_area_id"), "rewards", ["area_id"], unique=False)

    op.create_table(
        "redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("villager_id", sa.Integer(), nullable=False),
        sa.Column("reward_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("reward_name", sa.String(length=60), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("value_fen", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("pickup_code", sa.String(length=6), nullable=False),
        sa.Column("placed_at", TS, nullable=False),
        sa.Column("fulfilled_at", TS, nullable=True),
        sa.Column("fulfilled_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", TS, nullable=True),
        sa.CheckConstraint(
            "status IN ('placed','fulfilled','cancelled')", name=op.f("ck_redemptions_status")
        ),
        sa.CheckConstraint("points > 0", name=op.f("ck_redemptions_points_positive")),
        sa.ForeignKeyConstraint(
            ["fulfilled_by_id"],
            ["staff_accounts.id"],
            name=op.f("fk_redemptions_fulfilled_by_id_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(["reward_id"], ["rewards.id"], name=op.f("fk_redemptions_reward_id_rewards")),
        sa.ForeignKeyConstraint(["village_id"], ["areas.id"], name=op.f("fk_redemptions_village_id_areas")),
        sa.ForeignKeyConstraint(
            ["villager_id"], ["villagers.id"], name=op.f("fk_redemptions_villager_id_villagers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemptions")),
    )
    op.create_index(op.f("ix_redemptions_reward_id"), "redemptions", ["reward_id"], unique=False)
    op.create_index(
        "ix_redemptions_village_id_fulfilled_at", "redemptions", ["village_id", "fulfilled_at"], unique=False
    )
    op.create_index("ix_redemptions_villager_id_id", "redemptions", ["villager_id", "id"], unique=False)
    op.create_index(
        "uq_redemptions_open_pickup_code",
        "redemptions",
        ["village_id", "pickup_code"],
        unique=True,
        postgresql_where=sa.text("status = 'placed'"),
        sqlite_where=sa.text("status = 'placed'"),
    )

    op.create_table(
        "points_entries",
        sa.Column("id", BIGINT_PK, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("award_key", sa.String(length=120), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("timeline_event_id", BIGINT_PK, nullable=True),
        sa.Column("redemption_id", sa.Integer(), nullable=True),
        sa.Column("reverses_id", BIGINT_PK, nullable=True),
        sa.Column("rule_version_id", sa.Integer(), nullable=True),
        sa.Column("uncapped_amount", sa.Integer(), nullable=True),
        sa.Column("actor_staff_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("occurred_at", TS, nullable=False),
        sa.CheckConstraint(
            "reason = 'reversal' OR reverses_id IS NULL", name=op.f("ck_points_entries_reversal_target")
        ),
        sa.CheckConstraint(
            "reason IN ('reporter_accepted','reporter_confirmed','handler_case','adjustment','reversal',"
            "'redemption')",
            name=op.f("ck_points_entries_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["points_accounts.id"], name=op.f("fk_points_entries_account_id_points_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["actor_staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_points_entries_actor_staff_id_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["redemption_id"], ["redemptions.id"], name=op.f("fk_points_entries_redemption_id_redemptions")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_points_entries_report_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"], ["points_entries.id"], name=op.f("fk_points_entries_reverses_id_points_entries")
        ),
        sa.ForeignKeyConstraint(
            ["rule_version_id"],
            ["points_rule_versions.id"],
            name=op.f("fk_points_entries_rule_version_id_points_rule_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["timeline_event_id"],
            ["timeline_events.id"],
            name=op.f("fk_points_entries_timeline_event_id_timeline_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_entries")),
        sa.UniqueConstraint("award_key", name=op.f("uq_points_entries_award_key")),
    )
    op.create_index("ix_points_entries_account_id_id", "points_entries", ["account_id", "id"], unique=False)
    op.create_index(
        "ix_points_entries_account_id_occurred_at",
        "points_entries",
        ["account_id", "occurred_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_points_entries_redemption_id"), "points_entries", ["redemption_id"], unique=False
    )
    op.create_index(op.f("ix_points_entries_report_id"), "points_entries", ["report_id"], unique=False)
    op.create_index(op.f("ix_points_entries_reverses_id"), "points_entries", ["reverses_id"], unique=False)
    _append_only_trigger()

    op.create_table(
        "handler_pool_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(length=20), nullable=False),
        sa.Column("change", sa.String(length=5), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("villager_id", sa.Integer(), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.CheckConstraint("change IN ('join','leave')", name=op.f("ck_handler_pool_suggestions_change")),
        sa.CheckConstraint(
            "status IN ('pending','confirmed','declined')", name=op.f("ck_handler_pool_suggestions_status")
        ),
        sa.CheckConstraint(
            "(villager_id IS NULL) <> (staff_id IS NULL)", name=op.f("ck_handler_pool_suggestions_one_person")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["staff_accounts.id"],
            name=op.f("fk_handler_pool_suggestions_decided_by_id_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_handler_pool_suggestions_staff_id_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["areas.id"], name=op.f("fk_handler_pool_suggestions_village_id_areas")
        ),
        sa.ForeignKeyConstraint(
            ["villager_id"], ["villagers.id"], name=op.f("fk_handler_pool_suggestions_villager_id_villagers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handler_pool_suggestions")),
        sa.UniqueConstraint("quarter", "staff_id", name=op.f("uq_handler_pool_suggestions_quarter_staff_id")),
        sa.UniqueConstraint(
            "quarter", "villager_id", name=op.f("uq_handler_pool_suggestions_quarter_villager_id")
        ),
    )
    op.create_index(
        "ix_handler_pool_suggestions_village_id_quarter",
        "handler_pool_suggestions",
        ["village_id", "quarter"],
        unique=False,
    )


def _append_only_trigger() -> None:
    """Ledger rows cannot be updated or deleted, whoever holds the connection."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION points_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER points_entries_append_only BEFORE UPDATE OR DELETE ON points_entries "
            "FOR EACH ROW EXECUTE FUNCTION points_entries_append_only()"
        )
        op.execute(
            "CREATE TRIGGER points_entries_no_truncate BEFORE TRUNCATE ON points_entries "
            "FOR EACH STATEMENT EXECUTE FUNCTION points_entries_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER points_entries_no_{event.lower()} BEFORE {event} ON points_entries "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    op.drop_index("ix_handler_pool_suggestions_village_id_quarter", table_name="handler_pool_suggestions")
    op.drop_table("handler_pool_suggestions")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER points_entries_no_truncate ON points_entries")
        op.execute("DROP TRIGGER points_entries_append_only ON points_entries")
        op.execute("DROP FUNCTION points_entries_append_only()")
    else:
        op.execute("DROP TRIGGER points_entries_no_update")
        op.execute("DROP TRIGGER points_entries_no_delete")
    op.drop_index(op.f("ix_points_entries_reverses_id"), table_name="points_entries")
    op.drop_index(op.f("ix_points_entries_report_id"), table_name="points_entries")
    op.drop_index(op.f("ix_points_entries_redemption_id"), table_name="points_entries")
    op.drop_index("ix_points_entries_account_id_occurred_at", table_name="points_entries")
    op.drop_index("ix_points_entries_account_id_id", table_name="points_entries")
    op.drop_table("points_entries")
    op.drop_index("uq_redemptions_open_pickup_code", table_name="redemptions")
    op.drop_index("ix_redemptions_villager_id_id", table_name="redemptions")
    op.drop_index("ix_redemptions_village_id_fulfilled_at", table_name="redemptions")
    op.drop_index(op.f("ix_redemptions_reward_id"), table_name="redemptions")
    op.drop_table("redemptions")
    op.drop_index(op.f("ix_rewards_area_id"), table_name="rewards")
    op.drop_table("rewards")
    op.drop_table("points_accounts")
    op.drop_index(op.f("ix_points_rule_versions_effective_from"), table_name="points_rule_versions")
    op.drop_table("points_rule_versions")
    op.drop_column("reports", "quality_grade")
