"""Importing areas (by 12-digit code) and staff (by phone) from a table: every bad row is reported, with its
line and reason, before anything is written; a clean file is written whole in the caller's transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area, AreaLevel, Department
from app.areas.service import PARENT_LEVEL, check_code
from app.audit import service as audit
from app.audit.service import Actor
from app.core.security import hash_password
from app.organisation.tables import TableRow, read_table
from app.people.models import ROLE_LABELS, TEAM_LABELS, Role, StaffAccount, Team
from app.people.service import ROLE_LEVELS, temporary_password

LEVEL_NAMES = {
    "县": "county",
    "镇": "town",
    "街道": "town",
    "镇(街道)": "town",
    "村": "village",
    "社区": "village",
    "村(社区)": "village",
    "网格": "grid",
    **{lv.value: lv.value for lv in AreaLevel},
}
AREA_COLUMNS = {
    "code": "code",
    "代码": "code",
    "区划代码": "code",
    "name": "name",
    "名称": "name",
    "level": "level",
    "级别": "level",
    "parent_code": "parent_code",
    "上级代码": "parent_code",
}
STAFF_COLUMNS = {
    "phone": "phone",
    "手机号": "phone",
    "手机": "phone",
    "name": "name",
    "姓名": "name",
    "role": "role",
    "角色": "role",
    "area_code": "area_code",
    "区域代码": "area_code",
    "department_code": "department_code",
    "部门代码": "department_code",
    "team": "team",
    "队伍": "team",
}
ROLE_NAMES = {
    **{label: role.value for role, label in ROLE_LABELS.items()},
    **{r.value: r.value for r in Role},
}
TEAM_NAMES = {
    **{label: team.value for team, label in TEAM_LABELS.items()},
    **{t.value: t.value for t in Team},
}
PHONE = re.compile(r"^1\d{10}$")


@dataclass
class RowError:
    line: int
    field: str
    reason: str


class _Bad(Exception):
    def __init__(self, field_name: str, reason: str) -> None:
        self.field_name, self.reason = field_name, reason


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Staff imports: the one-time passwords of new accounts, shown once to the admin who imported them.
    credentials: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


async def import_areas(
    session: AsyncSession, *, content: bytes, dry_run: bool, actor: Actor, now: datetime
) -> ImportReport:
    rows = read_table(content, AREA_COLUMNS, {"code", "name", "level"})
    report = ImportReport(rows=len(rows))
    existing = {a.code: a for a in (await session.scalars(select(Area))).all()}
    planned: dict[str, tuple[str, str, str | None]] = {}  # code → (name, level, parent code)
    # Levels of every code the file declares, so a village may come before its town.
    declared: dict[str, str] = {}
    for row in rows:
        level = LEVEL_NAMES.get(row.values.get("level", ""))
        if level is not None:
            declared.setdefault(row.values.get("code", ""), level)
    for row in rows:
        try:
            _check_area_row(row, existing, declared, planned)
        except _Bad as bad:
            report.errors.append(RowError(row.line, bad.field_name, bad.reason))
    if dry_run or not report.ok:
        report.created = len(planned) if report.ok else 0
        return report
    # Parents before children: a file may list a village before its town.
    for level in ("county", "town", "village", "grid"):
        for code, (name, lv, parent_code) in planned.items():
            if lv != level:
                continue
            parent = existing.get(parent_code) if parent_code else None
            area = Area(code=code, name=name, level=lv, parent_id=parent.id if parent else None, path="")
            session.add(area)
            await session.flush()
            area.path = (parent.path if parent else "/") + f"{area.id}/"
            existing[code] = area
            report.created += 1
    audit.record(
        session,
        actor=actor,
        action="area.import",
        target_type="area",
        target_id="*",
        at=now,
        details={"created": report.created},
    )
    await session.flush()
    return report


def _check_area_row(
    row: TableRow,
    existing: dict[str, Area],
    declared: dict[str, str],
    planned: dict[str, tuple[str, str, str | None]],
) -> None:
    v = row.values
    code, name, parent_code = v.get("code", ""), v.get("name", ""), v.get("parent_code") or None
    level = LEVEL_NAMES.get(v.get("level", ""))
    if not name:
        raise _Bad("name", "名称不能为空")
    if level is None:
        raise _Bad("level", "级别应为县、镇、街道、村、社区或网格")
    if code in existing or code in planned:
        raise _Bad("code", "区域代码重复或已存在")
    if parent_code is not None:
        parent_level = existing[parent_code].level if parent_code in existing else declared.get(parent_code)
        if parent_level is None:
            raise _Bad("parent_code", "上级区域不存在（应在本文件中或已有）")
        if parent_level != PARENT_LEVEL.get(AreaLevel(level)):
            raise _Bad("parent_code", "上级区域的级别不对")
    if (reason := check_code(code, AreaLevel(level), parent_code)) is not None:
        raise _Bad("code", reason)
    planned[code] = (name, level, parent_code)


async def import_staff(
    session: AsyncSession, *, content: bytes, dry_run: bool, actor: Actor, now: datetime
) -> ImportReport:
    rows = read_table(content, STAFF_COLUMNS, {"phone", "name", "role", "area_code"})
    report = ImportReport(rows=len(rows))
    areas = {a.code: a for a in (await session.scalars(select(Area))).all()}
    departments = {d.code: d for d in (await session.scalars(select(Department))).all()}
    accounts = {a.phone: a for a in (await session.scalars(select(StaffAccount))).all() if a.phone}
    usernames = set((await session.scalars(select(StaffAccount.username))).all())
    seen: set[str] = set()
    valid: list[tuple[str, str, Role, Area, Department | None, str | None]] = []
    for row in rows:
        try:
            valid.append(_check_staff_row(row, areas, departments, seen))
        except _Bad as bad:
            report.errors.append(RowError(row.line, bad.field_name, bad.reason))
    if dry_run or not report.ok:
        if report.ok:
            report.updated = sum(1 for v in valid if v[0] in accounts)
            report.created = len(valid) - report.updated
        return report
    for phone, name, role, area, dept, team in valid:
        account = accounts.get(phone)
        if account is None:
            password = temporary_password()
            username = phone if phone not in usernames else f"{phone}-{role.value}"
            account = StaffAccount(
                username=username,
                password_hash=hash_password(password),
                phone=phone,
                display_name=name,
                role=role.value,
                area_id=area.id,
            )
            session.add(account)
            report.created += 1
            report.credentials.append({"phone": phone, "username": username, "temporary_password": password})
        else:
            report.updated += 1
        account.display_name, account.role, account.area_id = name, role.value, area.id
        account.department_id, account.team, account.updated_at = dept.id if dept else None, team, now
    await session.flush()
    audit.record(
        session,
        actor=actor,
        action="staff.import",
        target_type="staff",
        target_id="*",
        at=now,
        details={"created": report.created, "updated": report.updated},
    )
    return report


def _check_staff_row(
    row: TableRow,
    areas: dict[str, Area],
    departments: dict[str, Department],
    seen: set[str],
) -> tuple[str, str, Role, Area, Department | None, str | None]:
    v = row.values

    phone, name = v.get("phone", ""), v.get("name", "")
    if not PHONE.match(phone):
        raise _Bad("phone", "手机号应为11位数字")
    if phone in seen:
        raise _Bad("phone", "手机号在文件中重复")
    seen.add(phone)
    if not name:
        raise _Bad("name", "姓名不能为空")
    role_value = ROLE_NAMES.get(v.get("role", ""))
    if role_value is None:
        raise _Bad("role", "角色无效")
    role = Role(role_value)
    area = areas.get(v.get("area_code", ""))
    if area is None:
        raise _Bad("area_code", "区域代码不存在")
    if area.level not in ROLE_LEVELS[role]:
        raise _Bad("area_code", "该角色不能设在此级区域")
    dept = None
    if role is Role.department_staff:
        dept = departments.get(v.get("department_code", ""))
        if dept is None or dept.town_id != area.id:
            raise _Bad("department_code", "部门代码不存在或不属于该镇(街道)")
    team = TEAM_NAMES.get(v.get("team", "")) if v.get("team") else None
    if role is Role.handler and team is None:
        raise _Bad("team", "办理人员应填写队伍：乡贤能人、法律明白人、专业技术人员或志愿者")
    if role is not Role.handler:
        team = None
    return phone, name, role, area, dept, team
