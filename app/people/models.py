"""Villagers (WeChat identities) and staff accounts (a role scoped to an area)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.areas.models import Area, Department
from app.core.database import Base
from app.core.models import TimestampMixin


class Role(enum.StrEnum):
    admin = "admin"
    supervisor = "supervisor"
    department_staff = "department_staff"
    village_secretary = "village_secretary"
    intake_cadre = "intake_cadre"
    grid_worker = "grid_worker"
    handler = "handler"


class Team(enum.StrEnum):
    local_elite = "local_elite"
    legal_aide = "legal_aide"
    technician = "technician"
    volunteer = "volunteer"


ROLE_LABELS = {
    Role.admin: "管理员",
    Role.supervisor: "综治中心",
    Role.department_staff: "镇(街道)职能部门",
    Role.village_secretary: "村(社区)书记",
    Role.intake_cadre: "常职干部",
    Role.grid_worker: "网格员",
    Role.handler: "办理人员",
}
TEAM_LABELS = {
    Team.local_elite: "乡贤能人",
    Team.legal_aide: "法律明白人",
    Team.technician: "专业技术人员",
    Team.volunteer: "志愿者",
}


class Villager(TimestampMixin, Base):
    __tablename__ = "villagers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # openids differ per app; unionid links them when both apps share one Open Platform account.
    mp_openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    oa_openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64), unique=True)
    oa_following: Mapped[bool] = mapped_column(default=False)
    real_name: Mapped[str | None] = mapped_column(String(50))
    phone_encrypted: Mapped[str | None] = mapped_column(String(255))
    phone_masked: Mapped[str | None] = mapped_column(String(20))
    home_village_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    home_grid_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    last_seen_at: Mapped[datetime | None] = mapped_column()


class StaffAccount(TimestampMixin, Base):
    __tablename__ = "staff_accounts"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin','supervisor','department_staff','village_secretary',"
            "'intake_cadre','grid_worker','handler')",
            name="role",
        ),
        CheckConstraint(
            "team IS NULL OR team IN ('local_elite','legal_aide','technician','volunteer')", name="team"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    team: Mapped[str | None] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(default=True)
    mp_openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    oa_openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64), unique=True)

    area: Mapped[Area] = relationship(lazy="raise")
    department: Mapped[Department | None] = relationship(lazy="raise")
