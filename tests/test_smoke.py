from tests import factories


async def test_health_and_report_list_for_admin(client, session):
    c = await factories.county(session)
    admin = await factories.staff(session, role="admin", area=c.county)
    await factories.report(session, village=c.village)
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    headers = await factories.staff_token(client, admin)
    res = await client.get("/api/v1/reports", headers=headers)
    assert res.status_code == 200, res.text
    assert len(res.json()["items"]) == 1
