"""Every console endpoint, called as every role, in and out of area: each answer is what the role allows.

The matrix is the specification. A new `/api/v1` endpoint without an entry here fails
`test_every_console_endpoint_is_in_the_matrix`, so nobody can add one and forget who may call it.
Each call runs inside a savepoint that is rolled back, so calls do not change each other's world.
"""

from __future__ import annotations

import importlib
import io
import pkgutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.audit.service import Actor
from app.core.security import issue_token
from app.http.deps import STAFF_AUDIENCE, api_routes
from app.reports import service as reports_service
from app.reports.workflow import Action
from app.supervision import service as supervision_service
from tests import factories
from tests.console import matrix_base
from tests.console.matrix_base import ADMIN, EVERYONE, HOME_VIEWERS, LATER, SUPERVISORS, TZ, Entry, World
from tests.factories import NOW


def _csv(text: str) -> dict[str, Any]:
    return {"files": {"file": ("x.csv", io.BytesIO(text.encode()), "text/csv")}}


R = "/api/v1/reports"
S = "/api/v1/supervision"
MATRIX: dict[tuple[str, str], Entry] = {
    ("GET", f"{R}"): Entry(EVERYONE, set(), lambda w: ("GET", R, {})),
    ("GET", f"{R}/counts"): Entry(EVERYONE, set(), lambda w: ("GET", f"{R}/counts", {})),
    # Village staff file in their own village (no Idempotency-Key here: 422 past authorization).
    ("POST", f"{R}"): Entry(
        {"secretary", "cadre", "grid", "secretary_far", "cadre_far", "grid_far"},
        EVERYONE - {"secretary", "cadre", "grid", "secretary_far", "cadre_far", "grid_far"},
        lambda w: (
            "POST",
            R,
            {"json": {"kind": "problem", "category": "public_facilities", "description": "x"}},
        ),
    ),
    ("GET", f"{R}/export.xlsx"): Entry(
        EVERYONE - {"grid", "handler", "grid_far", "handler_far"},
        {"grid", "handler", "grid_far", "handler_far"},
        lambda w: ("GET", f"{R}/export.xlsx", {}),
    ),
    ("GET", f"{R}/{{report_id}}"): Entry(
        HOME_VIEWERS, set(), lambda w: ("GET", f"{R}/{w.ids['report']}", {})
    ),
    ("POST", f"{R}/{{report_id}}/actions/{{action}}"): Entry(
        {"admin", "secretary", "cadre"},
        {"sup_county", "sup_town", "grid"},  # the new report is not assigned: the handler cannot see it
        lambda w: ("POST", f"{R}/{w.ids['new_report']}/actions/accept", {"json": {}}),
    ),
    ("POST", f"{R}/{{report_id}}/visibility"): Entry(
        {"admin", "secretary", "cadre"},
        {"sup_county", "sup_town", "grid", "handler"},
        lambda w: ("POST", f"{R}/{w.ids['report']}/visibility", {"json": {"is_public": True}}),
    ),
    ("POST", f"{R}/{{report_id}}/key-supervision"): Entry(
        {"admin", "sup_county", "sup_town"},
        {"secretary", "cadre", "grid", "handler"},
        lambda w: ("POST", f"{R}/{w.ids['report']}/key-supervision", {"json": {"reason": "反复反映"}}),
    ),
    ("GET", f"{S}/orders"): Entry(SUPERVISORS, EVERYONE - SUPERVISORS, lambda w: ("GET", f"{S}/orders", {})),
    ("GET", f"{S}/counts"): Entry(SUPERVISORS, EVERYONE - SUPERVISORS, lambda w: ("GET", f"{S}/counts", {})),
    ("POST", f"{S}/orders"): Entry(
        {"admin", "sup_county", "sup_town"},
        EVERYONE - SUPERVISORS,
        lambda w: (
            "POST",
            f"{S}/orders",
            {"json": {"report_id": w.ids["report"], "reason": "x", "due_at": LATER.isoformat()}},
        ),
    ),
    ("POST", f"{S}/orders/{{order_id}}/records"): Entry(
        {"admin", "sup_county", "sup_town"},
        EVERYONE - SUPERVISORS,
        lambda w: (
            "POST",
            f"{S}/orders/{w.ids['order']}/records",
            {"json": {"method": "phone", "findings": "x"}},
        ),
    ),
    ("POST", f"{S}/orders/{{order_id}}/close"): Entry(
        {"admin", "sup_county", "sup_town"},
        EVERYONE - SUPERVISORS,
        lambda w: ("POST", f"{S}/orders/{w.ids['order']}/close", {"json": {"result": "x"}}),
    ),
    ("POST", f"{S}/look-backs"): Entry(
        {"admin", "sup_county", "sup_town"},
        EVERYONE - SUPERVISORS,
        lambda w: (
            "POST",
            f"{S}/look-backs",
            {"json": {"report_id": w.ids["closed"], "due_at": LATER.isoformat()}},
        ),
    ),
    ("GET", f"{S}/look-backs"): Entry(
        SUPERVISORS | {"secretary", "cadre", "secretary_far", "cadre_far"},
        {"grid", "handler", "dept", "grid_far", "handler_far", "dept_far"},
        lambda w: ("GET", f"{S}/look-backs", {}),
    ),
    ("POST", f"{S}/look-backs/{{look_back_id}}/complete"): Entry(
        {"admin", "sup_county", "sup_town", "secretary", "cadre"},
        {"grid", "handler", "dept", "grid_far", "handler_far", "dept_far"},
        lambda w: ("POST", f"{S}/look-backs/{w.ids['look_back']}/complete", {"json": {"outcome": "holds"}}),
    ),
    ("POST", f"{S}/ledgers"): Entry(
        {"admin", "sup_county", "sup_town"},
        EVERYONE - SUPERVISORS,
        lambda w: ("POST", f"{S}/ledgers", {"json": {"title": "专项", "report_ids": [w.ids["report"]]}}),
    ),
    ("GET", f"{S}/ledgers/{{ledger_id}}"): Entry(
        {"admin", "sup_county", "sup_town"},
        EVERYONE - SUPERVISORS,
        lambda w: ("GET", f"{S}/ledgers/{w.ids['ledger']}", {}),
    ),
    ("POST", f"{S}/ledgers/{{ledger_id}}/push"): Entry(
        {"admin", "sup_county", "sup_town"},
        EVERYONE - SUPERVISORS,
        lambda w: ("POST", f"{S}/ledgers/{w.ids['ledger']}/push", {}),
    ),
    ("GET", "/api/v1/staff"): Entry(
        SUPERVISORS | {"secretary", "cadre", "secretary_far", "cadre_far"},
        {"grid", "handler", "dept", "grid_far", "handler_far", "dept_far"},
        lambda w: ("GET", "/api/v1/staff", {}),
    ),
    ("POST", "/api/v1/staff"): Entry(
        {"admin", "secretary"},
        EVERYONE - {"admin", "secretary"},
        lambda w: (
            "POST",
            "/api/v1/staff",
            {
                "json": {
                    "username": "matrix.new",
                    "password": "long-enough",
                    "display_name": "新人",
                    "role": "handler",
                    "area_id": w.ids["village"],
                    "team": "volunteer",
                }
            },
        ),
    ),
    ("POST", "/api/v1/staff/{staff_id}/active"): Entry(
        {"admin", "secretary"},
        EVERYONE - {"admin", "secretary", "secretary_far"},
        lambda w: ("POST", f"/api/v1/staff/{w.ids['handler']}/active", {"json": {"active": False}}),
    ),
    ("POST", "/api/v1/staff/{staff_id}/reset-password"): Entry(
        {"admin", "secretary"},
        EVERYONE - {"admin", "secretary", "secretary_far"},
        lambda w: ("POST", f"/api/v1/staff/{w.ids['handler']}/reset-password", {}),
    ),
    ("POST", "/api/v1/staff/me/binding-code"): Entry(
        EVERYONE, set(), lambda w: ("POST", "/api/v1/staff/me/binding-code", {})
    ),
    ("GET", "/api/v1/audit"): Entry(
        {"admin", "sup_county"}, EVERYONE - {"admin", "sup_county"}, lambda w: ("GET", "/api/v1/audit", {})
    ),
    ("GET", "/api/v1/areas"): Entry(EVERYONE, set(), lambda w: ("GET", "/api/v1/areas", {})),
    ("POST", "/api/v1/areas"): Entry(
        ADMIN,
        EVERYONE - ADMIN,
        lambda w: (
            "POST",
            "/api/v1/areas",
            {
                "json": {
                    "code": w.codes["town"][:9] + "999",
                    "name": "矩阵村",
                    "level": "village",
                    "parent_id": w.ids["town"],
                }
            },
        ),
    ),
    ("PATCH", "/api/v1/areas/{area_id}"): Entry(
        ADMIN,
        EVERYONE - ADMIN,
        lambda w: ("PATCH", f"/api/v1/areas/{w.ids['village']}", {"json": {"name": "改名"}}),
    ),
    ("GET", "/api/v1/departments"): Entry(EVERYONE, set(), lambda w: ("GET", "/api/v1/departments", {})),
    ("POST", "/api/v1/departments"): Entry(
        ADMIN,
        EVERYONE - ADMIN,
        lambda w: (
            "POST",
            "/api/v1/departments",
            {"json": {"town_id": w.ids["town"], "code": "matrix-dept", "name": "矩阵所"}},
        ),
    ),
    ("GET", "/api/v1/sla-policies"): Entry(EVERYONE, set(), lambda w: ("GET", "/api/v1/sla-policies", {})),
    ("POST", "/api/v1/sla-policies"): Entry(
        ADMIN,
        EVERYONE - ADMIN,
        lambda w: ("POST", "/api/v1/sla-policies", {"json": {"code": "matrix", "name": "矩阵"}}),
    ),
    ("PATCH", "/api/v1/sla-policies/{policy_id}"): Entry(
        ADMIN, EVERYONE - ADMIN, lambda w: ("PATCH", "/api/v1/sla-policies/1", {"json": {"handle_hours": 12}})
    ),
    ("GET", "/api/v1/categories"): Entry(EVERYONE, set(), lambda w: ("GET", "/api/v1/categories", {})),
    ("PATCH", "/api/v1/categories/{category_id}"): Entry(
        ADMIN, EVERYONE - ADMIN, lambda w: ("PATCH", "/api/v1/categories/1", {"json": {"sort_order": 3}})
    ),
    ("POST", "/api/v1/import/areas"): Entry(
        ADMIN, EVERYONE - ADMIN, lambda w: ("POST", "/api/v1/import/areas", _csv("代码,名称,级别,上级代码\n"))
    ),
    ("POST", "/api/v1/import/staff"): Entry(
        ADMIN,
        EVERYONE - ADMIN,
        lambda w: ("POST", "/api/v1/import/staff", _csv("手机号,姓名,角色,区域代码\n")),
    ),
    ("GET", "/api/v1/notifications"): Entry(
        ADMIN, EVERYONE - ADMIN, lambda w: ("GET", "/api/v1/notifications", {})
    ),
    ("POST", "/api/v1/notifications/{notification_id}/retry"): Entry(
        ADMIN,
        EVERYONE - ADMIN,
        lambda w: ("POST", f"/api/v1/notifications/{w.ids['notification']}/retry", {}),
    ),
    ("GET", "/api/v1/notifications/templates"): Entry(
        ADMIN, EVERYONE - ADMIN, lambda w: ("GET", "/api/v1/notifications/templates", {})
    ),
    ("PUT", "/api/v1/notifications/templates/{kind}/{channel}"): Entry(
        ADMIN,
        EVERYONE - ADMIN,
        lambda w: (
            "PUT",
            "/api/v1/notifications/templates/assigned/oa_template",
            {"json": {"template_id": "tpl-x"}},
        ),
    ),
    ("GET", "/api/v1/jobs"): Entry(ADMIN, EVERYONE - ADMIN, lambda w: ("GET", "/api/v1/jobs", {})),
    ("GET", "/api/v1/jobs/runs"): Entry(ADMIN, EVERYONE - ADMIN, lambda w: ("GET", "/api/v1/jobs/runs", {})),
    ("GET", "/api/v1/wechat/messages"): Entry(
        ADMIN, EVERYONE - ADMIN, lambda w: ("GET", "/api/v1/wechat/messages", {})
    ),
    ("GET", "/api/v1/wechat/media-fetches"): Entry(
        ADMIN, EVERYONE - ADMIN, lambda w: ("GET", "/api/v1/wechat/media-fetches", {})
    ),
    # Every staff member may bind their own WeChat (409 here: the suite's app has no Official Account).
    ("POST", "/api/v1/wechat/binding-qrcode"): Entry(
        EVERYONE, set(), lambda w: ("POST", "/api/v1/wechat/binding-qrcode", {})
    ),
}
PUBLIC = {("POST", "/api/v1/auth/token")}

# The entries other issues add, each in a module of its own (see matrix_base's docstring).
EXTENSIONS = [
    importlib.import_module(f"tests.console.{m.name}")
    for m in pkgutil.iter_modules([str(Path(matrix_base.__file__).parent)])
    if m.name.startswith("matrix_") and m.name != "matrix_base"
]
for _extension in EXTENSIONS:
    _overlap = set(MATRIX) & set(_extension.ENTRIES)
    assert not _overlap, f"{_extension.__name__} repeats matrix entries: {_overlap}"
    MATRIX.update(_extension.ENTRIES)


def test_every_console_endpoint_is_in_the_matrix(app):
    routes = {
        (method, path)
        for path, methods, _ in api_routes(app)
        if path.startswith("/api/v1/")
        for method in methods
    }
    assert routes - PUBLIC - set(MATRIX) == set(), "add these endpoints to the authorization matrix"
    assert set(MATRIX) - routes == set(), "the matrix names endpoints that no longer exist"


@pytest.fixture
async def world(session) -> tuple[World, dict[str, dict[str, str]]]:
    c = await factories.county(session)
    far_grid = await factories.area(session, level="grid", parent=c.other_village)
    far_dept = c.other_department
    accounts = {
        "admin": await factories.staff(session, role="admin", area=c.county),
        "sup_county": await factories.staff(session, role="supervisor", area=c.county),
        "sup_town": await factories.staff(session, role="supervisor", area=c.town),
        "secretary": await factories.staff(session, role="village_secretary", area=c.village),
        "cadre": await factories.staff(session, role="intake_cadre", area=c.village),
        "grid": await factories.staff(session, role="grid_worker", area=c.grid),
        "handler": await factories.staff(session, role="handler", area=c.village, team="volunteer"),
        "dept": await factories.staff(session, role="department_staff", area=c.town, department=c.department),
        "sup_far": await factories.staff(session, role="supervisor", area=c.other_town),
        "secretary_far": await factories.staff(session, role="village_secretary", area=c.other_village),
        "cadre_far": await factories.staff(session, role="intake_cadre", area=c.other_village),
        "grid_far": await factories.staff(session, role="grid_worker", area=far_grid),
        "handler_far": await factories.staff(session, role="handler", area=c.other_village, team="volunteer"),
        "dept_far": await factories.staff(
            session, role="department_staff", area=c.other_town, department=far_dept
        ),
    }
    system = Actor(kind="system")
    report = await factories.report(session, village=c.village, grid=c.grid)
    for action, params in ((Action.accept, {}), (Action.assign, {"assignee_team": "volunteer"})):
        await reports_service.perform_action(
            session, report=report, action=action, actor=system, now=NOW, tz=TZ, **params
        )
    new_report = await factories.report(session, village=c.village, grid=c.grid)
    closed = await factories.report(session, village=c.village, grid=c.grid)
    for action, params in (
        (Action.accept, {}),
        (Action.assign, {"assignee_team": "volunteer"}),
        (Action.resolve, {"result": "好了"}),
        (Action.close, {}),
    ):
        await reports_service.perform_action(
            session, report=closed, action=action, actor=system, now=NOW, tz=TZ, **params
        )
    later = datetime.now(UTC)
    order = await supervision_service.open_order(
        session, report=report, reason="x", due_at=LATER, actor=system, now=later
    )
    look = await supervision_service.schedule_look_back(
        session, report=closed, due_at=LATER, actor=system, now=later
    )
    from sqlalchemy import true

    ledger = await supervision_service.create_ledger(
        session,
        title="专项",
        description=None,
        report_ids=[report.id],
        area_id=c.town.id,
        scope=true(),
        actor=system,
        now=later,
    )
    from sqlalchemy import select

    from app.notifications import service as notifications_service
    from app.notifications.kinds import Kind
    from app.notifications.models import Notification

    await notifications_service.enqueue(
        session,
        kind=Kind.assigned,
        dedupe_key="matrix",
        now=later,
        payload={"title": "x"},
        staff_id=accounts["handler"].id,
        report_id=report.id,
    )
    notification_id = await session.scalar(select(Notification.id).where(Notification.dedupe_key == "matrix"))
    w = World(
        ids={
            "notification": notification_id,
            "report": report.id,
            "new_report": new_report.id,
            "closed": closed.id,
            "order": order.id,
            "look_back": look.id,
            "ledger": ledger.id,
            "village": c.village.id,
            "town": c.town.id,
            "handler": accounts["handler"].id,
        },
        codes={"town": c.town.code},
    )
    for extension in EXTENSIONS:
        if hasattr(extension, "extend_world"):
            await extension.extend_world(session, county=c, accounts=accounts, world=w)
    now = datetime.now(UTC)
    headers = {
        name: {
            "Authorization": "Bearer "
            + issue_token(
                subject=str(a.id),
                audience=STAFF_AUDIENCE,
                secret="test-secret-key-for-the-suite-only-0123456789",
                now=now,
                ttl=timedelta(hours=1),
            )
        }
        for name, a in accounts.items()
    }
    return w, headers


@pytest.mark.parametrize("endpoint", sorted(MATRIX), ids=lambda e: f"{e[0]} {e[1]}")
async def test_each_role_gets_what_it_is_allowed(endpoint, world, client, connection):
    w, headers = world
    entry = MATRIX[endpoint]
    assert entry.ok.isdisjoint(entry.forbidden) and (entry.ok | entry.forbidden) <= EVERYONE
    method, path, kwargs = entry.call(w)
    answers = {}
    for who, h in headers.items():
        savepoint = await connection.begin_nested()
        try:
            files = kwargs.get("files")
            if files:
                for _, (_name, stream, _type) in files.items():
                    stream.seek(0)
            res = await client.request(method, path, headers=h, **kwargs)
        finally:
            await savepoint.rollback()
        answers[who] = res.status_code
    expected = {who: ("ok" if who in entry.ok else 403 if who in entry.forbidden else 404) for who in headers}
    seen = {
        who: ("ok" if code not in (401, 403, 404) and code < 500 else code) for who, code in answers.items()
    }
    assert seen == expected, answers
