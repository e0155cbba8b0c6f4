"""foundation

Revision ID: 20261203_0001
Revises:
Create Date: 2026-12-03 17:43:30.963632
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261203_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("level IN ('county','town','village','grid')", name=op.f("ck_areas_level")),
        sa.CheckConstraint("length(code) >= 12", name=op.f("ck_areas_code_length")),
        sa.ForeignKeyConstraint(["parent_id"], ["areas.id"], name=op.f("fk_areas_parent_id_areas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_areas")),
        sa.UniqueConstraint("code", name=op.f("uq_areas_code")),
    )
    op.create_index(op.f("ix_areas_parent_id"), "areas", ["parent_id"], unique=False)
    op.create_index(op.f("ix_areas_path"), "areas", ["path"], unique=False)
    op.create_table(
        "ledger_counters",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_ledger_counters")),
    )
    op.create_table(
        "sla_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("respond_minutes", sa.Integer(), nullable=False),
        sa.Column("handle_hours", sa.Integer(), nullable=False),
        sa.Column("remind_before_respond_minutes", sa.Integer(), nullable=False),
        sa.Column("remind_before_handle_minutes", sa.Integer(), nullable=False),
        sa.Column("key_supervision_hours", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "respond_minutes > 0 AND handle_hours > 0", name=op.f("ck_sla_policies_positive_limits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policies")),
        sa.UniqueConstraint("code", name=op.f("uq_sla_policies_code")),
    )
    op.create_table(
        "topics",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_topics")),
    )
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("sla_policy_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('problem','praise','alert')", name=op.f("ck_categories_kind")),
        sa.ForeignKeyConstraint(
            ["sla_policy_id"], ["sla_policies.id"], name=op.f("fk_categories_sla_policy_id_sla_policies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("code", name=op.f("uq_categories_code")),
    )
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["town_id"], ["areas.id"], name=op.f("fk_departments_town_id_areas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("code", name=op.f("uq_departments_code")),
    )
    op.create_index(op.f("ix_departments_town_id"), "departments", ["town_id"], unique=False)
    op.create_table(
        "villagers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mp_openid", sa.String(length=64), nullable=True),
        sa.Column("oa_openid", sa.String(length=64), nullable=True),
        sa.Column("unionid", sa.String(length=64), nullable=True),
        sa.Column("oa_following", sa.Boolean(), nullable=False),
        sa.Column("real_name", sa.String(length=50), nullable=True),
        sa.Column("phone_encrypted", sa.String(length=255), nullable=True),
        sa.Column("phone_masked", sa.String(length=20), nullable=True),
        sa.Column("home_village_id", sa.Integer(), nullable=True),
        sa.Column("home_grid_id", sa.Integer(), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["home_grid_id"], ["areas.id"], name=op.f("fk_villagers_home_grid_id_areas")),
        sa.ForeignKeyConstraint(
            ["home_village_id"], ["areas.id"], name=op.f("fk_villagers_home_village_id_areas")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_villagers")),
        sa.UniqueConstraint("mp_openid", name=op.f("uq_villagers_mp_openid")),
        sa.UniqueConstraint("oa_openid", name=op.f("uq_villagers_oa_openid")),
        sa.UniqueConstraint("unionid", name=op.f("uq_villagers_unionid")),
    )
    op.create_index(op.f("ix_villagers_home_village_id"), "villagers", ["home_village_id"], unique=False)
    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("display_name", sa.String(length=50), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("team", sa.String(length=20), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("mp_openid", sa.String(length=64), nullable=True),
        sa.Column("oa_openid", sa.String(length=64), nullable=True),
        sa.Column("unionid", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin','supervisor','department_staff','village_secretary','intake_cadre','grid_worker','handler')",
            name=op.f("ck_staff_accounts_role"),
        ),
        sa.CheckConstraint(
            "team IS NULL OR team IN ('local_elite','legal_aide','technician','volunteer')",
            name=op.f("ck_staff_accounts_team"),
        ),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_staff_accounts_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_staff_accounts_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_accounts")),
        sa.UniqueConstraint("mp_openid", name=op.f("uq_staff_accounts_mp_openid")),
        sa.UniqueConstraint("oa_openid", name=op.f("uq_staff_accounts_oa_openid")),
        sa.UniqueConstraint("phone", name=op.f("uq_staff_accounts_phone")),
        sa.UniqueConstraint("unionid", name=op.f("uq_staff_accounts_unionid")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_accounts_username")),
    )
    op.create_index(op.f("ix_staff_accounts_area_id"), "staff_accounts", ["area_id"], unique=False)
    op.create_index(
        op.f("ix_staff_accounts_department_id"), "staff_accounts", ["department_id"], unique=False
    )
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_staff_id", sa.Integer(), nullable=True),
        sa.Column("actor_type", sa.String(length=10), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("target_type", sa.String(length=30), nullable=False),
        sa.Column("target_id", sa.String(length=40), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("request_id", sa.String(length=40), nullable=True),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_audit_entries_actor_staff_id_staff_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_index(
        op.f("ix_audit_entries_actor_staff_id"), "audit_entries", ["actor_staff_id"], unique=False
    )
    op.create_index(op.f("ix_audit_entries_at"), "audit_entries", ["at"], unique=False)
    op.create_index("ix_audit_entries_target", "audit_entries", ["target_type", "target_id"], unique=False)
    op.create_table(
        "media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("mime_type", sa.String(length=40), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("wechat_media_id", sa.String(length=128), nullable=True),
        sa.Column("check_status", sa.String(length=10), nullable=False),
        sa.Column("check_trace_id", sa.String(length=64), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("uploaded_by_villager_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "check_status IN ('pending','pass','review','risky','unchecked')",
            name=op.f("ck_media_check_status"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_media_uploaded_by_staff_id_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_villager_id"],
            ["villagers.id"],
            name=op.f("fk_media_uploaded_by_villager_id_villagers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media")),
        sa.UniqueConstraint("sha256", name=op.f("uq_media_sha256")),
    )
    op.create_index(op.f("ix_media_check_trace_id"), "media", ["check_trace_id"], unique=False)
    op.create_index(op.f("ix_media_wechat_media_id"), "media", ["wechat_media_id"], unique=False)
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ledger_no", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("topic_code", sa.String(length=40), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lng", sa.Double(), nullable=True),
        sa.Column("coord_system", sa.String(length=8), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("is_anonymous", sa.Boolean(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("reporter_villager_id", sa.Integer(), nullable=True),
        sa.Column("reporter_staff_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("respond_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolve_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("assignee_staff_id", sa.Integer(), nullable=True),
        sa.Column("assignee_team", sa.String(length=20), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("reject_reason", sa.String(length=20), nullable=True),
        sa.Column("close_reason", sa.String(length=20), nullable=True),
        sa.Column("result_summary", sa.Text(), nullable=True),
        sa.Column("rating", sa.String(length=12), nullable=True),
        sa.Column("rating_comment", sa.String(length=500), nullable=True),
        sa.Column("extension_requested_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extension_reason", sa.String(length=500), nullable=True),
        sa.Column("bounce_reason", sa.String(length=500), nullable=True),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("held_for_review", sa.Boolean(), nullable=False),
        sa.Column("key_supervision", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "coord_system IS NULL OR coord_system IN ('gcj02','wgs84')", name=op.f("ck_reports_coord_system")
        ),
        sa.CheckConstraint("kind IN ('problem','praise','alert')", name=op.f("ck_reports_kind")),
        sa.CheckConstraint(
            "rating IS NULL OR rating IN ('satisfied','basically','unsatisfied')",
            name=op.f("ck_reports_rating"),
        ),
        sa.CheckConstraint(
            "status IN ('submitted','accepted','rejected','assigned','in_progress','resolved','closed','acknowledged','published','forwarded')",
            name=op.f("ck_reports_status"),
        ),
        sa.CheckConstraint("lat IS NULL OR (lat >= -90 AND lat <= 90)", name=op.f("ck_reports_lat_range")),
        sa.CheckConstraint("lng IS NULL OR (lng >= -180 AND lng <= 180)", name=op.f("ck_reports_lng_range")),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"], ["staff_accounts.id"], name=op.f("fk_reports_accepted_by_id_staff_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_reports_assignee_staff_id_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_reports_category_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_reports_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"], ["reports.id"], name=op.f("fk_reports_duplicate_of_id_reports")
        ),
        sa.ForeignKeyConstraint(["grid_id"], ["areas.id"], name=op.f("fk_reports_grid_id_areas")),
        sa.ForeignKeyConstraint(
            ["reporter_staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_reports_reporter_staff_id_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["reporter_villager_id"], ["villagers.id"], name=op.f("fk_reports_reporter_villager_id_villagers")
        ),
        sa.ForeignKeyConstraint(["topic_code"], ["topics.code"], name=op.f("fk_reports_topic_code_topics")),
        sa.ForeignKeyConstraint(["town_id"], ["areas.id"], name=op.f("fk_reports_town_id_areas")),
        sa.ForeignKeyConstraint(["village_id"], ["areas.id"], name=op.f("fk_reports_village_id_areas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("ledger_no", name=op.f("uq_reports_ledger_no")),
    )
    op.create_index(op.f("ix_reports_assignee_staff_id"), "reports", ["assignee_staff_id"], unique=False)
    op.create_index(op.f("ix_reports_category_id"), "reports", ["category_id"], unique=False)
    op.create_index(op.f("ix_reports_department_id"), "reports", ["department_id"], unique=False)
    op.create_index(op.f("ix_reports_grid_id"), "reports", ["grid_id"], unique=False)
    op.create_index(
        op.f("ix_reports_reporter_villager_id"), "reports", ["reporter_villager_id"], unique=False
    )
    op.create_index("ix_reports_status_resolve_due", "reports", ["status", "resolve_due_at"], unique=False)
    op.create_index("ix_reports_status_respond_due", "reports", ["status", "respond_due_at"], unique=False)
    op.create_index(op.f("ix_reports_town_id"), "reports", ["town_id"], unique=False)
    op.create_index("ix_reports_village_status", "reports", ["village_id", "status"], unique=False)
    op.create_table(
        "timeline_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("status_after", sa.String(length=20), nullable=False),
        sa.Column("actor_type", sa.String(length=10), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("visible_to_reporter", sa.Boolean(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_timeline_events_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_events")),
    )
    op.create_index(op.f("ix_timeline_events_report_id"), "timeline_events", ["report_id"], unique=False)
    op.create_table(
        "report_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("timeline_event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.CheckConstraint("purpose IN ('report','progress','result')", name=op.f("ck_report_media_purpose")),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], name=op.f("fk_report_media_media_id_media")),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_report_media_report_id_reports"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["timeline_event_id"],
            ["timeline_events.id"],
            name=op.f("fk_report_media_timeline_event_id_timeline_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_media")),
        sa.UniqueConstraint(
            "report_id", "media_id", "purpose", name=op.f("uq_report_media_report_id_media_id_purpose")
        ),
    )
    op.create_index(op.f("ix_report_media_media_id"), "report_media", ["media_id"], unique=False)
    op.create_index(op.f("ix_report_media_report_id"), "report_media", ["report_id"], unique=False)
    _seed_reference_data()


# The county's reference lists as they stood when the schema was made (DOMAIN.md); later
# changes to them are migrations of their own.
_CATEGORIES = [
    ("public_facilities", "problem", "公用设施"),
    ("roads_traffic", "problem", "道路交通"),
    ("village_management", "problem", "村居管理"),
    ("environment", "problem", "环境整治"),
    ("neighbour_dispute", "problem", "邻里纠纷"),
    ("difficulty", "problem", "困难求助"),
    ("ask_government", "problem", "问政"),
    ("supervise_conduct", "problem", "监督"),
    ("good_deed", "praise", "好人好事"),
    ("volunteer_service", "praise", "志愿服务"),
    ("safety_hazard", "alert", "安全隐患"),
    ("telecom_fraud", "alert", "电信诈骗"),
    ("special_groups", "alert", "特殊人群"),
    ("strangers", "alert", "外来陌生人"),
]
_TOPICS = [
    ("medical", "医疗"),
    ("education", "教育"),
    ("transport", "交通"),
    ("social_security", "社保"),
    ("agriculture", "农业"),
    ("benefit_policy", "惠民政策"),
    ("integrity", "党风廉政"),
    ("disorder", "乱象治理"),
    ("anti_fraud", "反诈防骗"),
    ("environment", "环境整治"),
    ("lavish_ceremonies", "治理大操大办"),
    ("bride_price", "整治高价彩礼"),
]


def _seed_reference_data() -> None:
    now = datetime.now(UTC)
    policies = sa.table(
        "sla_policies",
        *(
            sa.column(c)
            for c in (
                "id",
                "code",
                "name",
                "respond_minutes",
                "handle_hours",
                "remind_before_respond_minutes",
                "remind_before_handle_minutes",
                "key_supervision_hours",
                "created_at",
                "updated_at",
            )
        ),
    )
    op.bulk_insert(
        policies,
        [
            {
                "id": 1,
                "code": "default",
                "name": "默认时限：30分钟响应，24小时办结反馈",
                "respond_minutes": 30,
                "handle_hours": 24,
                "remind_before_respond_minutes": 10,
                "remind_before_handle_minutes": 240,
                "key_supervision_hours": 48,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    categories = sa.table(
        "categories",
        *(
            sa.column(c)
            for c in (
                "id",
                "code",
                "kind",
                "name",
                "sort_order",
                "is_active",
                "sla_policy_id",
                "created_at",
                "updated_at",
            )
        ),
    )
    op.bulk_insert(
        categories,
        [
            {
                "id": i,
                "code": code,
                "kind": kind,
                "name": name,
                "sort_order": i,
                "is_active": True,
                "sla_policy_id": 1,
                "created_at": now,
                "updated_at": now,
            }
            for i, (code, kind, name) in enumerate(_CATEGORIES, start=1)
        ],
    )
    topics = sa.table("topics", sa.column("code"), sa.column("name"), sa.column("sort_order"))
    op.bulk_insert(
        topics,
        [{"code": code, "name": name, "sort_order": i} for i, (code, name) in enumerate(_TOPICS, start=1)],
    )
    if op.get_bind().dialect.name == "postgresql":
        # Explicit ids above leave the sequences behind.
        op.execute("SELECT setval('sla_policies_id_seq', (SELECT max(id) FROM sla_policies))")
        op.execute("SELECT setval('categories_id_seq', (SELECT max(id) FROM categories))")


def downgrade() -> None:
    op.drop_index(op.f("ix_report_media_report_id"), table_name="report_media")
    op.drop_index(op.f("ix_report_media_media_id"), table_name="report_media")
    op.drop_table("report_media")
    op.drop_index(op.f("ix_timeline_events_report_id"), table_name="timeline_events")
    op.drop_table("timeline_events")
    op.drop_index("ix_reports_village_status", table_name="reports")
    op.drop_index(op.f("ix_reports_town_id"), table_name="reports")
    op.drop_index("ix_reports_status_respond_due", table_name="reports")
    op.drop_index("ix_reports_status_resolve_due", table_name="reports")
    op.drop_index(op.f("ix_reports_reporter_villager_id"), table_name="reports")
    op.drop_index(op.f("ix_reports_grid_id"), table_name="reports")
    op.drop_index(op.f("ix_reports_department_id"), table_name="reports")
    op.drop_index(op.f("ix_reports_category_id"), table_name="reports")
    op.drop_index(op.f("ix_reports_assignee_staff_id"), table_name="reports")
    op.drop_table("reports")
    op.drop_index(op.f("ix_media_wechat_media_id"), table_name="media")
    op.drop_index(op.f("ix_media_check_trace_id"), table_name="media")
    op.drop_table("media")
    op.drop_index("ix_audit_entries_target", table_name="audit_entries")
    op.drop_index(op.f("ix_audit_entries_at"), table_name="audit_entries")
    op.drop_index(op.f("ix_audit_entries_actor_staff_id"), table_name="audit_entries")
    op.drop_table("audit_entries")
    op.drop_index(op.f("ix_staff_accounts_department_id"), table_name="staff_accounts")
    op.drop_index(op.f("ix_staff_accounts_area_id"), table_name="staff_accounts")
    op.drop_table("staff_accounts")
    op.drop_index(op.f("ix_villagers_home_village_id"), table_name="villagers")
    op.drop_table("villagers")
    op.drop_index(op.f("ix_departments_town_id"), table_name="departments")
    op.drop_table("departments")
    op.drop_table("categories")
    op.drop_table("topics")
    op.drop_table("sla_policies")
    op.drop_table("ledger_counters")
    op.drop_index(op.f("ix_areas_path"), table_name="areas")
    op.drop_index(op.f("ix_areas_parent_id"), table_name="areas")
    op.drop_table("areas")
