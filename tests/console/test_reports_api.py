"""The console's report list and detail: scope by role and area, filters, pagination, refusals."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from app.audit.service import Actor
from app.reports import service
from app.reports.workflow import Action
from tests import factories
from tests.factories import NOW

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def world(session):
    """Two towns; reports in the home village (one per grid case), the other town, and one escalated."""
    c = await factories.county(session)
    other_grid = await factories.area(session, level="grid", parent=c.village)
    home_grid_report = await factories.report(session, village=c.village, grid=c.grid)
    home_other_grid = await factories.report(session, village=c.village, grid=other_grid)
    far = await factories.report(session, village=c.other_village)
    escalated = await factories.report(session, village=c.village)
    team_report = await factories.report(session, village=c.village)
    system = Actor(kind="system")
    await service.perform_action(
        session, report=escalated, action=Action.accept, actor=system, now=NOW, tz=TZ
    )
    await service.perform_action(
        session,
        report=escalated,
        action=Action.escalate,
        actor=system,
        now=NOW,
        tz=TZ,
        department_id=c.department.id,
    )
    await service.perform_action(
        session, report=team_report, action=Action.accept, actor=system, now=NOW, tz=TZ
    )
    await service.perform_action(
        session,
        report=team_report,
        action=Action.assign,
        actor=system,
        now=NOW,
        tz=TZ,
        assignee_team="legal_aide",
    )
    reports = {
        "home_grid": home_grid_report.id,
        "home_other_grid": home_other_grid.id,
        "far": far.id,
        "escalated": escalated.id,
        "team": team_report.id,
    }
    return c, reports


ALL = {"home_grid", "home_other_grid", "far", "escalated", "team"}
HOME = ALL - {"far"}

# role → (where the account sits, extra fields, the reports it must see and only those)
SCOPES = {
    "admin": ("county", {}, ALL),
    "county_supervisor": ("county", {}, ALL),
    "town_supervisor": ("town", {}, HOME),
    "other_town_supervisor": ("other_town", {}, {"far"}),
    "village_secretary": ("village", {}, HOME),
    "intake_cadre": ("village", {}, HOME),
    "grid_worker": ("grid", {}, {"home_grid"}),
    "department_staff": ("town", {"department": "department"}, {"escalated"}),
    "other_department": ("other_town", {"department": "other_department"}, set()),
    "handler_legal": ("village", {"team": "legal_aide"}, {"team"}),
    "handler_volunteer": ("village", {"team": "volunteer"}, set()),
}
ROLE_OF = {
    "county_supervisor": "supervisor",
    "town_supervisor": "supervisor",
    "other_town_supervisor": "supervisor",
    "other_department": "department_staff",
    "handler_legal": "handler",
    "handler_volunteer": "handler",
}


@pytest.mark.parametrize("who", sorted(SCOPES))
async def test_each_role_sees_exactly_its_own_area_and_nothing_else(who, world, client, session):
    c, reports = world
    where, extra, expected = SCOPES[who]
    kwargs = {}
    if "department" in extra:
        kwargs["department"] = getattr(c, extra["department"])
    if "team" in extra:
        kwargs["team"] = extra["team"]
    account = await factories.staff(session, role=ROLE_OF.get(who, who), area=getattr(c, where), **kwargs)
    headers = await factories.staff_token(client, account)
    res = await client.get("/api/v1/reports", headers=headers, params={"limit": 200})
    assert res.status_code == 200, res.text
    seen = {item["id"] for item in res.json()["items"]}
    assert seen == {reports[k] for k in expected}
    for name, rid in reports.items():
        detail = await client.get(f"/api/v1/reports/{rid}", headers=headers)
        assert detail.status_code == (200 if name in expected else 404), (name, detail.text)


async def test_detail_carries_timeline_and_media(world, client, session):
    c, reports = world
    admin = await factories.staff(session, role="admin", area=c.county)
    headers = await factories.staff_token(client, admin)
    res = await client.get(f"/api/v1/reports/{reports['escalated']}", headers=headers)
    body = res.json()
    assert [e["action"] for e in body["timeline"]] == ["submit", "accept", "escalate"]
    assert body["ledger_no"].startswith("SP")
    assert body["media"] == []
    assert body["department_id"] == c.department.id and body["escalation_level"] == 1


async def test_filters_and_cursor_pagination(world, client, session):
    c, reports = world
    admin = await factories.staff(session, role="admin", area=c.county)
    headers = await factories.staff_token(client, admin)
    res = await client.get("/api/v1/reports", headers=headers, params={"status": "submitted"})
    assert {i["id"] for i in res.json()["items"]} == {
        reports[k] for k in ("home_grid", "home_other_grid", "far")
    }
    res = await client.get("/api/v1/reports", headers=headers, params={"area": c.other_town.id})
    assert [i["id"] for i in res.json()["items"]] == [reports["far"]]
    res = await client.get(
        "/api/v1/reports", headers=headers, params={"category": "public_facilities", "kind": "problem"}
    )
    assert len(res.json()["items"]) == 5
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/reports", headers=headers, params=params)).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(reports.values(), reverse=True)


async def test_overdue_filter_uses_the_deadlines(world, app, client, session):
    from datetime import timedelta

    from app.http.deps import get_now

    c, reports = world
    admin = await factories.staff(session, role="admin", area=c.county)
    headers = await factories.staff_token(client, admin)
    # An hour after submission: the unreviewed missed their 30 minutes; the accepted have 23 hours left.
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(hours=1)
    res = await client.get("/api/v1/reports", headers=headers, params={"overdue": "true"})
    overdue = {reports[k] for k in ("home_grid", "home_other_grid", "far")}
    assert {i["id"] for i in res.json()["items"]} == overdue
    assert all(i["overdue"] for i in res.json()["items"])
    res = await client.get("/api/v1/reports", headers=headers, params={"overdue": "false"})
    assert {i["id"] for i in res.json()["items"]} == {reports["escalated"], reports["team"]}
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(hours=25)
    res = await client.get("/api/v1/reports", headers=headers, params={"overdue": "true"})
    assert {i["id"] for i in res.json()["items"]} == set(reports.values())


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status.0"),
        ({"kind": "rumour"}, "kind"),
        ({"limit": 0}, "limit"),
        ({"limit": 1000}, "limit"),
        ({"overdue": "maybe"}, "overdue"),
        ({"area": "abc"}, "area"),
        ({"cursor": "!!not-a-cursor"}, "cursor"),
        ({"category": "no_such_category"}, "category"),
        ({"area": 999999}, "area"),
    ],
)
async def test_invalid_filters_are_422_naming_the_field(params, field, world, client, session):
    c, _ = world
    admin = await factories.staff(session, role="admin", area=c.county)
    headers = await factories.staff_token(client, admin)
    res = await client.get("/api/v1/reports", headers=headers, params=params)
    assert res.status_code == 422, res.text
    detail = res.json()["detail"]
    fields = [e["field"] for e in detail.get("errors", [])] + [detail.get("field")]
    assert field in fields


async def test_unknown_report_is_404(world, client, session):
    c, _ = world
    admin = await factories.staff(session, role="admin", area=c.county)
    headers = await factories.staff_token(client, admin)
    res = await client.get("/api/v1/reports/987654321", headers=headers)
    assert res.status_code == 404
    assert res.json()["detail"]["message"] == "工单不存在"


async def test_wrong_password_and_unknown_user_get_the_same_401(client, session):
    c = await factories.county(session)
    account = await factories.staff(session, role="admin", area=c.county)
    wrong = await client.post("/api/v1/auth/token", data={"username": account.username, "password": "nope"})
    unknown = await client.post("/api/v1/auth/token", data={"username": "nobody-here", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_disabled_account_cannot_sign_in_or_use_an_old_token(client, session):
    c = await factories.county(session)
    account = await factories.staff(session, role="admin", area=c.county)
    headers = await factories.staff_token(client, account)
    account.is_active = False
    await session.flush()
    assert (await client.get("/api/v1/reports", headers=headers)).status_code == 401
    res = await client.post(
        "/api/v1/auth/token", data={"username": account.username, "password": factories.PASSWORD}
    )
    assert res.status_code == 401


@pytest.mark.parametrize("token", ["", "garbage", "eyJhbGciOiJIUzI1NiJ9.e30.forged"])
async def test_missing_or_forged_tokens_are_401(token, client):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    assert (await client.get("/api/v1/reports", headers=headers)).status_code == 401
