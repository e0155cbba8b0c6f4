"""The warnings console: scoped lists and details, acknowledge and dismiss (audited, 409/422), counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.core.security import issue_token
from app.http.deps import STAFF_AUDIENCE, get_now
from tests import factories
from tests.factories import NOW
from tests.warnings.conftest import HOUR, Offices, all_warnings, repeats, scan

W = "/api/v1/warnings"
SECRET = "test-secret-key-for-the-suite-only-0123456789"


async def _headers(client, account):
    # A signed token directly: the password sign-in is tested elsewhere and is slow by design.
    token = issue_token(
        subject=str(account.id),
        audience=STAFF_AUDIENCE,
        secret=SECRET,
        now=datetime.now(UTC),
        ttl=timedelta(hours=1),
    )
    return {"Authorization": f"Bearer {token}"}


async def _two_warnings(session, o: Offices):
    """One in the home village (town 1), one in the other town's village."""
    await repeats(session, o)
    far = await factories.villager(session, village=o.c.other_village)
    for i in range(3):
        await factories.report(session, village=o.c.other_village, reporter=far, now=NOW - (i + 1) * HOUR)
    await scan(session)
    home, away = await all_warnings(session)
    assert home.village_id == o.c.village.id and away.village_id == o.c.other_village.id
    return home, away


async def test_each_sees_the_warnings_of_their_area(session, client, offices: Offices):
    home, away = await _two_warnings(session, offices)
    seen = {}
    for name in (
        "county_supervisor",
        "town_supervisor",
        "far_supervisor",
        "secretary",
        "far_secretary",
        "admin",
    ):
        res = await client.get(W, headers=await _headers(client, getattr(offices, name)))
        assert res.status_code == 200, res.text
        seen[name] = {item["id"] for item in res.json()["items"]}
    assert seen == {
        "county_supervisor": {home.id, away.id},
        "town_supervisor": {home.id},
        "far_supervisor": {away.id},
        "secretary": {home.id},
        "far_secretary": {away.id},
        "admin": {home.id, away.id},
    }
    res = await client.get(W, headers=await _headers(client, offices.cadre))
    assert res.status_code == 403
    res = await client.get(f"{W}/{away.id}", headers=await _headers(client, offices.town_supervisor))
    assert res.status_code == 404


async def test_filters_and_their_errors(session, client, offices: Offices):
    home, away = await _two_warnings(session, offices)
    h = await _headers(client, offices.county_supervisor)
    queries = {
        "town": {"area": offices.c.other_town.id},
        "repeated": {"kind": "repeated"},
        "concentrated": {"kind": "concentrated"},
        "open": {"status": "open"},
        "december": {"period": "2026-12"},
        "november": {"period": "2026-11"},
        "one": {"limit": 1},
    }
    by = {}
    for name, query in queries.items():
        res = await client.get(W, params=query, headers=h)
        assert res.status_code == 200, res.text
        by[name] = sorted(i["id"] for i in res.json()["items"])
    both = sorted([home.id, away.id])
    assert by["town"] == [away.id] and by["repeated"] == by["open"] == by["december"] == both
    assert by["concentrated"] == by["november"] == [] and by["one"] == [away.id]
    res = await client.get(W, params={"period": "2026-13"}, headers=h)
    assert res.status_code == 422 and res.json()["detail"]["field"] == "period"
    res = await client.get(W, params={"area": 999999}, headers=h)
    assert res.status_code == 422 and res.json()["detail"]["field"] == "area"
    item = (await client.get(W, headers=h)).json()["items"][0]
    assert (
        item["kind_label"] == "反复投诉"
        and item["status_label"] == "待处理"
        and item["category_name"] == "公用设施"
    )


async def test_the_detail_lists_its_reports_and_is_audited(session, client, offices: Offices):
    reports = await repeats(session, offices)
    await scan(session)
    (warning,) = await all_warnings(session)
    res = await client.get(f"{W}/{warning.id}", headers=await _headers(client, offices.secretary))
    assert res.status_code == 200, res.text
    body = res.json()
    assert [r["id"] for r in body["reports"]] == [r.id for r in reports]
    assert body["reports"][0]["status_label"] == "已上报" and body["reports"][0]["version"] == 1
    audit = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "warning.view"))).all()
    assert [(a.actor_staff_id, a.target_id) for a in audit] == [(offices.secretary.id, str(warning.id))]


async def test_acknowledge_once_audited_and_only_by_supervisors_in_scope(session, client, offices: Offices):
    home, away = await _two_warnings(session, offices)
    sup = await _headers(client, offices.town_supervisor)
    assert (
        await client.post(f"{W}/{home.id}/acknowledge", headers=await _headers(client, offices.secretary))
    ).status_code == 403
    assert (await client.post(f"{W}/{away.id}/acknowledge", headers=sup)).status_code == 404
    res = await client.post(f"{W}/{home.id}/acknowledge", json={"note": "已安排走访"}, headers=sup)
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["status"] == "acknowledged" and body["decided_by_id"] == offices.town_supervisor.id
    again = await client.post(f"{W}/{home.id}/acknowledge", headers=sup)
    assert again.status_code == 409
    entries = (
        await session.scalars(select(AuditEntry).where(AuditEntry.action == "warning.acknowledge"))
    ).all()
    assert [(e.actor_staff_id, e.target_id, e.details["note"]) for e in entries] == [
        (offices.town_supervisor.id, str(home.id), "已安排走访")
    ]


async def test_dismiss_needs_a_reason_and_an_open_warning(session, client, offices: Offices):
    await repeats(session, offices)
    await scan(session)
    (warning,) = await all_warnings(session)
    h = await _headers(client, offices.county_supervisor)
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        res = await client.post(f"{W}/{warning.id}/dismiss", json=body, headers=h)
        assert res.status_code == 422, (body, res.text)
        assert "reason" in res.text
    await session.refresh(warning)
    assert warning.status == "open" and warning.dismiss_reason is None
    res = await client.post(f"{W}/{warning.id}/dismiss", json={"reason": "同一问题已列入专项台账"}, headers=h)
    assert res.status_code == 200 and res.json()["dismiss_reason"] == "同一问题已列入专项台账"
    assert (
        await client.post(f"{W}/{warning.id}/dismiss", json={"reason": "x"}, headers=h)
    ).status_code == 409
    assert (await client.post(f"{W}/{warning.id}/acknowledge", headers=h)).status_code == 409
    entries = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "warning.dismiss"))).all()
    assert len(entries) == 1 and entries[0].details["reason"] == "同一问题已列入专项台账"


async def test_counts_per_period_and_kind(app, session, client, offices: Offices):
    await _two_warnings(session, offices)
    # And one detected a month earlier, by a scan back then.
    person = await factories.villager(session, village=offices.c.village)
    for i in range(3):
        await factories.report(
            session,
            village=offices.c.village,
            reporter=person,
            category_code="roads_traffic",
            now=NOW - (40 + i) * 24 * HOUR,
        )
    await scan(session, NOW - 38 * 24 * HOUR)
    h = await _headers(client, offices.county_supervisor)
    # The months counted end at the console's now: the warnings' month, not the machine's.
    app.dependency_overrides[get_now] = lambda: NOW + HOUR
    res = await client.get(f"{W}/counts", params={"period_kind": "month", "periods": 3}, headers=h)
    assert res.status_code == 200, res.text
    periods = res.json()["periods"]
    assert [p["key"] for p in periods] == ["2026-12", "2026-11", "2026-10"]
    assert [p["total"] for p in periods] == [2, 0, 1]
    assert periods[0]["by_kind"] == {"repeated": 2, "concentrated": 0, "rising": 0}
    assert periods[0]["label"] == "2026年12月"
    town = await client.get(
        f"{W}/counts",
        params={"period_kind": "quarter", "periods": 1},
        headers=await _headers(client, offices.far_supervisor),
    )
    assert town.json()["periods"][0]["total"] == 1
    assert (await client.get(f"{W}/counts", params={"period_kind": "year"}, headers=h)).status_code == 422
