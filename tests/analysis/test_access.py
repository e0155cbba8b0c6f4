"""Who reads which health report: supervisors their area's, a village's secretary and cadre the
village's and its handlers', department staff their department's, a handler their own."""

from __future__ import annotations

from app.analysis import cycle
from app.analysis.models import ReportKind
from app.analysis.periods import parse_period
from app.audit.service import Actor
from tests import factories
from tests.analysis.county import MONTHLY_SLOT, GenCounty

H = "/api/v1/health-reports"


async def _seen(client, account, **params) -> set[tuple[str, int]]:
    headers = await factories.staff_token(client, account)
    res = await client.get(H, headers=headers, params={"period": "2026-11", "limit": 500, **params})
    assert res.status_code == 200, res.text
    return {(r["unit_kind"], r["unit_id"]) for r in res.json()}


async def test_each_reader_lists_the_health_reports_of_their_own_units(
    session, client, settings, county: GenCounty
):
    await cycle.run_period(
        session,
        kind=ReportKind.monthly,
        period=parse_period("2026-11"),
        settings=settings,
        actor=Actor.system("t"),
        now=MONTHLY_SLOT,
        with_units=True,
    )
    village, town, dept = county.villages[0], county.towns[0], county.departments[0]
    handler = county.handler[village.id]
    mine = {("village", village.id), ("handler", handler.id)}
    assert await _seen(client, county.secretary[village.id]) == mine
    assert await _seen(client, county.cadre[village.id]) == mine
    assert await _seen(client, county.dept_staff[dept.id]) == {("department", dept.id)}
    assert await _seen(client, handler) == {("handler", handler.id)}
    in_town = {("town", town.id), ("department", dept.id)} | {
        (kind, unit)
        for v in county.villages
        if v.parent_id == town.id
        for kind, unit in (("village", v.id), ("handler", county.handler[v.id].id))
    }
    assert await _seen(client, county.sup_town[town.id]) == in_town
    assert len(await _seen(client, county.sup_county)) == 16
    assert await _seen(client, county.sup_county, unit_kind="department") == {
        ("department", d.id) for d in county.departments
    }
    headers = await factories.staff_token(client, county.sup_county)
    bad = await client.get(H, headers=headers, params={"period": "2026-11-31"})
    assert bad.status_code == 422 and "周期格式无效" in bad.json()["detail"]["message"]
