"""Organisation: areas, departments, policies, categories; imports change nothing when any row is bad."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import func, select

from app.areas.models import Area
from app.people.models import StaffAccount
from tests import factories


def _csv(text: str, encoding: str = "utf-8") -> dict:
    return {"file": ("data.csv", text.encode(encoding), "text/csv")}


def _xlsx(rows: list[list[object]]) -> dict:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return {
        "file": (
            "data.xlsx",
            buf.getvalue(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    }


async def _admin(session, client):
    c = await factories.county(session)
    admin = await factories.staff(session, role="admin", area=c.county)
    return c, await factories.staff_token(client, admin)


async def _count(session, model) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_area_import_with_bad_rows_reports_every_one_and_writes_nothing(session, client):
    c, h = await _admin(session, client)
    before = await _count(session, Area)
    county_code = c.county.code
    town = county_code[:6] + "201000"
    text = (
        "代码,名称,级别,上级代码\n"
        f"{town},新镇,镇,{county_code}\n"  # 2: good
        f"{town[:9]}001,新村,村,{town}\n"  # 3: good (parent in the same file)
        f"{town[:9]}002,,村,{town}\n"  # 4: no name
        f"12345,短码村,村,{town}\n"  # 5: bad code
        f"{town[:9]}003,错级村,城市,{town}\n"  # 6: bad level
        f"{town[:9]}001,重复村,村,{town}\n"  # 7: duplicate of line 3
        f"999999999004,外村,村,{town}\n"  # 8: code does not match its parent
        f"{town[:9]}005,孤村,村,511923999000\n"  # 9: parent unknown
    )
    res = await client.post("/api/v1/import/areas", headers=h, files=_csv(text), params={"dry_run": "false"})
    assert res.status_code == 422
    errors = [(e["line"], e["field"]) for e in res.json()["errors"]]
    assert errors == [(4, "name"), (5, "code"), (6, "level"), (7, "code"), (8, "code"), (9, "parent_code")]
    assert all(e["reason"] for e in res.json()["errors"])
    assert await _count(session, Area) == before


async def test_clean_area_file_dry_runs_then_imports_parents_first(session, client):
    c, h = await _admin(session, client)
    town = c.county.code[:6] + "202000"
    text = (
        f"code,name,level,parent_code\n{town[:9]}001,后村,village,{town}\n{town},后镇,town,{c.county.code}\n"
    )
    dry = await client.post("/api/v1/import/areas", headers=h, files=_csv(text, "gb18030"))
    assert dry.status_code == 200 and dry.json() == {
        "dry_run": True,
        "ok": True,
        "rows": 2,
        "created": 2,
        "updated": 0,
        "errors": [],
    }
    assert await session.scalar(select(Area).where(Area.code == town)) is None
    done = await client.post(
        "/api/v1/import/areas", headers=h, files=_csv(text, "gb18030"), params={"dry_run": "false"}
    )
    assert done.status_code == 200 and done.json()["created"] == 2
    village = await session.scalar(select(Area).where(Area.code == f"{town[:9]}001"))
    new_town = await session.scalar(select(Area).where(Area.code == town))
    assert village is not None and new_town is not None
    assert village.parent_id == new_town.id and village.path == f"{new_town.path}{village.id}/"
    assert village.name == "后村"


async def test_staff_import_by_phone_from_xlsx(session, client):
    c, h = await _admin(session, client)
    rows = [
        ["手机号", "姓名", "角色", "区域代码", "部门代码", "队伍"],
        ["13900000001", "张干部", "常职干部", c.village.code, "", ""],
        ["13900000002", "李民警", "镇(街道)职能部门", c.town.code, c.department.code, ""],
        ["13900000003", "王乡贤", "办理人员", c.village.code, "", "乡贤能人"],
    ]
    bad = [
        *rows,
        ["1390000", "短号", "常职干部", c.village.code, "", ""],
        ["13900000001", "重复", "常职干部", c.village.code, "", ""],
        ["13900000004", "无队伍", "办理人员", c.village.code, "", ""],
        ["13900000005", "错部门", "镇(街道)职能部门", c.town.code, c.other_department.code, ""],
        ["13900000006", "错级", "常职干部", c.town.code, "", ""],
        ["13900000007", "无角色", "村长", c.village.code, "", ""],
    ]
    before = await _count(session, StaffAccount)
    res = await client.post("/api/v1/import/staff", headers=h, files=_xlsx(bad), params={"dry_run": "false"})
    assert res.status_code == 422
    assert [(e["line"], e["field"]) for e in res.json()["errors"]] == [
        (5, "phone"),
        (6, "phone"),
        (7, "team"),
        (8, "department_code"),
        (9, "area_code"),
        (10, "role"),
    ]
    assert await _count(session, StaffAccount) == before
    ok = await client.post("/api/v1/import/staff", headers=h, files=_xlsx(rows), params={"dry_run": "false"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["created"] == 3 and len(ok.json()["credentials"]) == 3
    cred = ok.json()["credentials"][0]
    signin = await client.post(
        "/api/v1/auth/token", data={"username": cred["username"], "password": cred["temporary_password"]}
    )
    assert signin.status_code == 200
    # The same file again updates by phone instead of duplicating.
    again = await client.post(
        "/api/v1/import/staff", headers=h, files=_xlsx(rows), params={"dry_run": "false"}
    )
    assert again.json()["updated"] == 3 and again.json()["created"] == 0


async def test_import_refuses_unreadable_files_and_non_admins(session, client):
    c, h = await _admin(session, client)
    res = await client.post(
        "/api/v1/import/areas", headers=h, files={"file": ("x.xlsx", b"PK\x03\x04garbage", "x")}
    )
    assert res.status_code == 422 and res.json()["detail"]["field"] == "file"
    res = await client.post("/api/v1/import/areas", headers=h, files=_csv("foo,bar\n1,2\n"))
    assert res.status_code == 422 and "缺少列" in res.json()["detail"]["message"]
    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    ch = await factories.staff_token(client, cadre)
    assert (await client.post("/api/v1/import/areas", headers=ch, files=_csv("a\n"))).status_code == 403


async def test_areas_departments_policies_and_categories(session, client):
    c, h = await _admin(session, client)
    res = await client.post(
        "/api/v1/areas",
        headers=h,
        json={"code": c.town.code[:9] + "777", "name": "新建村", "level": "village", "parent_id": c.town.id},
    )
    assert res.status_code == 201
    bad = await client.post(
        "/api/v1/areas",
        headers=h,
        json={"code": c.town.code[:9] + "778", "name": "错级", "level": "grid", "parent_id": c.town.id},
    )
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "parent_id"
    dept = await client.post(
        "/api/v1/departments", headers=h, json={"town_id": c.town.id, "code": "health-1", "name": "卫生院"}
    )
    assert dept.status_code == 201
    policy = await client.post(
        "/api/v1/sla-policies",
        headers=h,
        json={"code": "urgent", "name": "紧急类", "respond_minutes": 10, "handle_hours": 6},
    )
    assert policy.status_code == 201
    cats = (await client.get("/api/v1/categories", headers=h)).json()
    hazard = next(x for x in cats if x["code"] == "safety_hazard")
    res = await client.patch(
        f"/api/v1/categories/{hazard['id']}", headers=h, json={"sla_policy_id": policy.json()["id"]}
    )
    assert res.json()["sla_policy_id"] == policy.json()["id"]
    report = await factories.report(session, village=c.village, category_code="safety_hazard")
    assert report.respond_due_at == factories.NOW + __import__("datetime").timedelta(minutes=10)
    res = await client.patch(
        f"/api/v1/sla-policies/{policy.json()['id']}", headers=h, json={"handle_hours": 0}
    )
    assert res.status_code == 422
