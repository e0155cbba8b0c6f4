"""Staff accounts (create, disable, reset password) and the audit log."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEntry
from tests import factories


async def _setup(session, client):
    c = await factories.county(session)
    admin = await factories.staff(session, role="admin", area=c.county)
    secretary = await factories.staff(session, role="village_secretary", area=c.village)
    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    handler = await factories.staff(session, role="handler", area=c.village, team="volunteer")
    far_handler = await factories.staff(session, role="handler", area=c.other_village, team="volunteer")
    tokens = {
        "admin": await factories.staff_token(client, admin),
        "secretary": await factories.staff_token(client, secretary),
        "cadre": await factories.staff_token(client, cadre),
        "handler": await factories.staff_token(client, handler),
    }
    return c, {"admin": admin, "secretary": secretary, "handler": handler, "far": far_handler}, tokens


async def test_admin_creates_a_department_officer_who_can_then_sign_in(session, client):
    c, people, t = await _setup(session, client)
    body = {
        "username": "police.li",
        "password": "s3cure-pass",
        "display_name": "李警官",
        "role": "department_staff",
        "area_id": c.town.id,
        "department_id": c.department.id,
        "phone": "13800000001",
    }
    res = await client.post("/api/v1/staff", headers=t["admin"], json=body)
    assert res.status_code == 201, res.text
    signin = await client.post(
        "/api/v1/auth/token", data={"username": "police.li", "password": "s3cure-pass"}
    )
    assert signin.status_code == 200
    again = await client.post("/api/v1/staff", headers=t["admin"], json=body | {"phone": None})
    assert again.status_code == 409 and again.json()["detail"]["field"] == "username"


async def test_placement_rules_name_the_field(session, client):
    c, people, t = await _setup(session, client)
    base = {"username": "someone", "password": "long-enough", "display_name": "某人"}
    cases = [
        ({"role": "intake_cadre", "area_id": c.town.id}, "area_id"),
        (
            {"role": "department_staff", "area_id": c.town.id, "department_id": c.other_department.id},
            "department_id",
        ),
        ({"role": "handler", "area_id": c.village.id}, "team"),
        ({"role": "grid_worker", "area_id": c.grid.id, "team": "volunteer"}, "team"),
        ({"role": "handler", "area_id": 99999999, "team": "volunteer"}, "area_id"),
    ]
    for extra, field in cases:
        res = await client.post("/api/v1/staff", headers=t["admin"], json=base | extra)
        assert res.status_code == 422, (extra, res.text)
        assert res.json()["detail"]["field"] == field
    short = await client.post(
        "/api/v1/staff",
        headers=t["admin"],
        json=base | {"password": "short", "role": "admin", "area_id": c.county.id},
    )
    assert short.status_code == 422


async def test_secretary_manages_only_their_villages_handlers(session, client):
    c, people, t = await _setup(session, client)
    ok = await client.post(
        "/api/v1/staff",
        headers=t["secretary"],
        json={
            "username": "volunteer.wang",
            "password": "long-enough",
            "display_name": "王志愿",
            "role": "handler",
            "area_id": c.village.id,
            "team": "volunteer",
        },
    )
    assert ok.status_code == 201
    cadre = await client.post(
        "/api/v1/staff",
        headers=t["secretary"],
        json={
            "username": "new.cadre",
            "password": "long-enough",
            "display_name": "新干部",
            "role": "intake_cadre",
            "area_id": c.village.id,
        },
    )
    assert cadre.status_code == 403
    elsewhere = await client.post(
        "/api/v1/staff",
        headers=t["secretary"],
        json={
            "username": "far.handler",
            "password": "long-enough",
            "display_name": "外村",
            "role": "handler",
            "area_id": c.other_village.id,
            "team": "volunteer",
        },
    )
    assert elsewhere.status_code == 403
    far = await client.post(
        f"/api/v1/staff/{people['far'].id}/active", headers=t["secretary"], json={"active": False}
    )
    assert far.status_code == 404
    assert (await client.post("/api/v1/staff", headers=t["cadre"], json={})).status_code == 403


async def test_disable_and_reset_password(session, client):
    c, people, t = await _setup(session, client)
    handler = people["handler"]
    res = await client.post(
        f"/api/v1/staff/{handler.id}/active", headers=t["secretary"], json={"active": False}
    )
    assert res.status_code == 200 and res.json()["is_active"] is False
    assert (await client.get("/api/v1/reports", headers=t["handler"])).status_code == 401
    await client.post(f"/api/v1/staff/{handler.id}/active", headers=t["secretary"], json={"active": True})
    res = await client.post(f"/api/v1/staff/{handler.id}/reset-password", headers=t["secretary"])
    temporary = res.json()["temporary_password"]
    old = await client.post(
        "/api/v1/auth/token", data={"username": handler.username, "password": factories.PASSWORD}
    )
    new = await client.post("/api/v1/auth/token", data={"username": handler.username, "password": temporary})
    assert old.status_code == 401 and new.status_code == 200
    me = people["admin"]
    self_disable = await client.post(
        f"/api/v1/staff/{me.id}/active", headers=t["admin"], json={"active": False}
    )
    assert self_disable.status_code == 409


async def test_staff_list_is_scoped_and_filterable(session, client):
    c, people, t = await _setup(session, client)
    listed = (await client.get("/api/v1/staff", headers=t["cadre"], params={"role": "handler"})).json()
    assert [s["id"] for s in listed] == [people["handler"].id]
    everyone = (await client.get("/api/v1/staff", headers=t["admin"], params={"role": "handler"})).json()
    assert {s["id"] for s in everyone} == {people["handler"].id, people["far"].id}
    assert (await client.get("/api/v1/staff", headers=t["handler"])).status_code == 403


async def test_audit_lists_who_did_what_from_where_filtered(session, client):
    c, people, t = await _setup(session, client)
    await client.post(f"/api/v1/staff/{people['handler'].id}/reset-password", headers=t["admin"])
    res = await client.get("/api/v1/audit", headers=t["admin"], params={"action": "staff.reset_password"})
    items = res.json()["items"]
    assert len(items) == 1
    assert items[0]["actor_staff_id"] == people["admin"].id and items[0]["target_id"] == str(
        people["handler"].id
    )
    assert items[0]["ip"] and items[0]["request_id"]
    prefix = (await client.get("/api/v1/audit", headers=t["admin"], params={"action": "staff."})).json()[
        "items"
    ]
    assert {i["action"] for i in prefix} == {"staff.sign_in", "staff.reset_password"}
    page = (await client.get("/api/v1/audit", headers=t["admin"], params={"limit": 2})).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    assert (await client.get("/api/v1/audit", headers=t["secretary"])).status_code == 403
    stored = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "staff.sign_in"))).all()
    assert len(stored) == 4 and all(e.ip for e in stored)


async def test_a_staff_member_gets_a_one_time_binding_code_for_the_mini_program(session, client):
    c, people, t = await _setup(session, client)
    first = await client.post("/api/v1/staff/me/binding-code", headers=t["handler"])
    second = await client.post("/api/v1/staff/me/binding-code", headers=t["handler"])
    assert first.status_code == second.status_code == 200
    assert len(first.json()["code"]) == 8 and first.json()["code"] != second.json()["code"]
    assert first.json()["expires_in"] == 600
    from app.villagers.models import StaffBindingCode

    codes = (
        await session.scalars(
            select(StaffBindingCode)
            .where(StaffBindingCode.staff_id == people["handler"].id)
            .order_by(StaffBindingCode.id)
        )
    ).all()
    # The newer code retires the older one; neither is stored in clear.
    assert [c.used_at is not None for c in codes] == [True, False]
    assert all(first.json()["code"] not in c.code_hash for c in codes)
