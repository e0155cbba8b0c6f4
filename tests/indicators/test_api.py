"""The console's indicators endpoints: rows and ranks, drill-down pages, periods, scope and refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.audit.service import Actor
from app.core.security import issue_token
from app.http.deps import STAFF_AUDIENCE
from app.reports import service as reports_service
from app.reports.workflow import Action
from tests import factories
from tests.indicators.oracle import TZ

SUBMITTED = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
BASE = "/api/v1/indicators"


async def _handled(session, village, *, resolve_after: timedelta | None, rating: str | None = None, **kw):
    report = await factories.report(session, village=village, now=SUBMITTED, **kw)
    system = Actor(kind="system")
    steps = [
        (Action.accept, {}, timedelta(minutes=10)),
        (Action.assign, {"assignee_team": "volunteer"}, timedelta(minutes=11)),
    ]
    if resolve_after is not None:
        steps.append((Action.resolve, {"result": "已修好"}, resolve_after))
        if rating:
            steps.append((Action.rate, {"rating": rating}, resolve_after + timedelta(hours=1)))
    for action, params, after in steps:
        await reports_service.perform_action(
            session, report=report, action=action, actor=system, now=SUBMITTED + after, tz=TZ, **params
        )
    return report


@pytest.fixture
async def world(session, settings):
    c = await factories.county(session)
    # The home village: two on time (one satisfied), one late; the other town's village: one on time.
    on_time = [await _handled(session, c.village, resolve_after=timedelta(hours=3), rating="satisfied")]
    on_time.append(await _handled(session, c.village, resolve_after=timedelta(hours=5)))
    late = await _handled(session, c.village, resolve_after=timedelta(hours=30))
    far = await _handled(session, c.other_village, resolve_after=timedelta(hours=2), rating="basically")
    accounts = {
        "sup": await factories.staff(session, role="supervisor", area=c.county),
        "sup_town": await factories.staff(session, role="supervisor", area=c.other_town),
        "cadre": await factories.staff(session, role="intake_cadre", area=c.village),
        "dept": await factories.staff(session, role="department_staff", area=c.town, department=c.department),
        "handler": await factories.staff(session, role="handler", area=c.village, team="volunteer"),
    }
    # Tokens issued directly: logging in (argon2) for every account of every test would be slow.
    headers = {
        k: {
            "Authorization": "Bearer "
            + issue_token(
                subject=str(a.id),
                audience=STAFF_AUDIENCE,
                secret=settings.secret_key,
                now=datetime.now(UTC),
                ttl=timedelta(hours=1),
            )
        }
        for k, a in accounts.items()
    }
    return c, headers, on_time, late, far


async def test_supervisors_get_every_village_with_figures_and_rank(client, world):
    c, h, on_time, late, far = world
    res = await client.get(BASE, params={"period": "2026-11", "unit_kind": "village"}, headers=h["sup"])
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["period"] == {
        "key": "2026-11",
        "kind": "month",
        "label": "2026年11月",
        "start": "2026-11-01",
        "end": "2026-12-01",
        "complete": True,
    }
    rows = {r["figures"]["unit_id"]: r for r in body["rows"]}
    assert set(rows) == {c.village.id, c.other_village.id}
    home, other = rows[c.village.id], rows[c.other_village.id]
    assert (home["figures"]["received"], home["figures"]["resolved_on_time"], home["figures"]["due"]) == (
        3,
        2,
        3,
    )
    assert home["figures"]["on_time_rate"] == pytest.approx(2 / 3)
    assert other["figures"]["on_time_rate"] == 1.0 and other["figures"]["satisfaction_rate"] == 1.0
    assert (other["rank"], home["rank"]) == (1, 2)
    assert body["labels"]["resolved_on_time"] == "按时办结"
    # within: the other town only.
    res = await client.get(
        BASE,
        params={"period": "2026-11", "unit_kind": "village", "within": c.other_town.id},
        headers=h["sup"],
    )
    assert [r["figures"]["unit_id"] for r in res.json()["rows"]] == [c.other_village.id]


async def test_a_town_supervisor_sees_their_town_only(client, world):
    c, h, *_ = world
    res = await client.get(BASE, params={"period": "2026-11", "unit_kind": "town"}, headers=h["sup_town"])
    assert [r["figures"]["unit_id"] for r in res.json()["rows"]] == [c.other_town.id]
    res = await client.get(
        BASE,
        params={"period": "2026-11", "unit_kind": "village", "within": c.village.id},
        headers=h["sup_town"],
    )
    assert res.status_code == 404


async def test_a_village_cadre_reads_their_own_village_and_no_other(client, world):
    c, h, on_time, late, far = world
    res = await client.get(BASE, params={"period": "2026-11", "unit_kind": "village"}, headers=h["cadre"])
    assert res.status_code == 200
    assert [r["figures"]["unit_id"] for r in res.json()["rows"]] == [c.village.id]
    res = await client.get(
        BASE,
        params={"period": "2026-11", "unit_kind": "village", "within": c.other_village.id},
        headers=h["cadre"],
    )
    assert res.status_code == 404
    res = await client.get(
        f"{BASE}/village/{c.other_village.id}/drilldown",
        params={"period": "2026-11", "figure": "received"},
        headers=h["cadre"],
    )
    assert res.status_code == 404
    res = await client.get(BASE, params={"period": "2026-11", "unit_kind": "town"}, headers=h["cadre"])
    assert res.status_code == 403
    assert (await client.get(BASE, params={"period": "2026-11"}, headers=h["handler"])).status_code == 403


async def test_department_staff_see_their_department_only(client, world):
    c, h, *_ = world
    res = await client.get(BASE, params={"period": "2026-11", "unit_kind": "department"}, headers=h["dept"])
    assert res.status_code == 200
    assert [r["figures"]["unit_id"] for r in res.json()["rows"]] == [c.department.id]
    res = await client.get(
        f"{BASE}/department/{c.other_department.id}/drilldown",
        params={"period": "2026-11", "figure": "received"},
        headers=h["dept"],
    )
    assert res.status_code == 404


async def test_drilldown_pages_through_the_reports_behind_a_figure(client, world):
    c, h, on_time, late, far = world
    params = {"period": "2026-11", "figure": "resolved_on_time", "limit": 1}
    url = f"{BASE}/village/{c.village.id}/drilldown"
    first = (await client.get(url, params=params, headers=h["sup"])).json()
    assert first["total"] == 2 and first["figure_label"] == "按时办结"
    assert first["next_cursor"]
    second = (
        await client.get(url, params={**params, "cursor": first["next_cursor"]}, headers=h["sup"])
    ).json()
    assert second["next_cursor"] is None
    ids = [first["items"][0]["id"], second["items"][0]["id"]]
    assert ids == sorted((r.id for r in on_time), reverse=True)
    assert second["items"][0]["category"]["code"] == "public_facilities"
    late_page = (
        await client.get(url, params={"period": "2026-11", "figure": "resolved"}, headers=h["cadre"])
    ).json()
    assert {i["id"] for i in late_page["items"]} == {r.id for r in [*on_time, late]}
    county = (
        await client.get(
            f"{BASE}/county/{c.county.id}/drilldown",
            params={"period": "2026-11", "figure": "satisfied"},
            headers=h["sup"],
        )
    ).json()
    assert {i["id"] for i in county["items"]} == {on_time[0].id, far.id}


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (BASE, {"period": "2026-13", "unit_kind": "village"}, "period"),
        (BASE, {"period": "last month"}, "period"),
        (BASE, {"period": "2026-11", "unit_kind": "province"}, "unit_kind"),
        (BASE, {"unit_kind": "village"}, "period"),
        ("DRILL", {"period": "2026-11", "figure": "happiness"}, "figure"),
        ("DRILL", {"period": "2026-W54", "figure": "received"}, "period"),
        (f"{BASE}/province/1/drilldown", {"period": "2026-11", "figure": "received"}, "unit_kind"),
        (f"{BASE}/periods", {"kind": "year"}, "kind"),
    ],
)
async def test_bad_input_is_422_naming_the_field_in_chinese(client, world, path, params, field):
    c, h, *_ = world
    if path == "DRILL":
        path = f"{BASE}/village/{c.village.id}/drilldown"
    res = await client.get(path, params=params, headers=h["sup"])
    assert res.status_code == 422, res.text
    detail = res.json()["detail"]
    fields = {detail.get("field")} | {e["field"] for e in detail.get("errors", [])}
    assert field in fields
    assert any("\u4e00" <= ch <= "\u9fff" for ch in detail["message"])


async def test_periods_lists_recent_keys_and_labels(client, world):
    c, h, *_ = world
    res = await client.get(f"{BASE}/periods", params={"kind": "quarter", "count": 3}, headers=h["handler"])
    assert res.status_code == 200
    body = res.json()
    assert len(body) == 3 and body[0]["complete"] is False and body[1]["complete"] is True
    assert all(p["label"].endswith("季度") and "-Q" in p["key"] for p in body)
    assert [p["key"] for p in body] == sorted((p["key"] for p in body), reverse=True)
