"""The ledger export: XLSX with Chinese headers, the same filters and scope as the list."""

from __future__ import annotations

import io
from urllib.parse import unquote

from openpyxl import load_workbook

from app.reports.export import HEADERS
from tests import factories


async def test_export_is_an_xlsx_of_exactly_the_scoped_filtered_list(session, client):
    c = await factories.county(session)
    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    mine = [
        await factories.report(session, village=c.village, description=f"第{i}件：路灯不亮") for i in range(3)
    ]
    await factories.report(session, village=c.other_village, description="外村的事")
    await factories.report(session, village=c.village, category_code="good_deed", description="好人好事")
    headers = await factories.staff_token(client, cadre)
    res = await client.get("/api/v1/reports/export.xlsx", headers=headers, params={"kind": "problem"})
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "台账_" in unquote(res.headers["content-disposition"])
    sheet = load_workbook(io.BytesIO(res.content), read_only=True)["台账"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    body = rows[1:]
    assert [r[4] for r in body] == [r.description for r in mine]
    assert {r[1] for r in body} == {"已上报"} and {r[6] for r in body} == {c.village.name}
    assert body[0][9].startswith("2026-12-03 10:00")  # submitted 02:00 UTC, shown in Asia/Shanghai


async def test_handlers_may_not_export(session, client):
    c = await factories.county(session)
    handler = await factories.staff(session, role="handler", area=c.village, team="volunteer")
    headers = await factories.staff_token(client, handler)
    assert (await client.get("/api/v1/reports/export.xlsx", headers=headers)).status_code == 403
