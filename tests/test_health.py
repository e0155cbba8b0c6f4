"""Health, readiness, metrics, request ids and logs."""

from __future__ import annotations

import json
import logging

from sqlalchemy import text

from app.core.logging import JsonFormatter
from tests import factories


async def test_readyz_reports_the_schema_at_head(client):
    from app.core.migrate import head_revision

    res = await client.get("/readyz")
    assert res.status_code == 200
    assert res.json() == {"status": "ok", "schema": head_revision()}


async def test_readyz_is_503_when_the_schema_is_behind(client, session):
    await session.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    res = await client.get("/readyz")
    assert res.status_code == 503
    assert res.json()["schema"] == "older"


async def test_metrics_count_requests_by_route_template_not_raw_path(client, session):
    c = await factories.county(session)
    admin = await factories.staff(session, role="admin", area=c.county)
    headers = await factories.staff_token(client, admin)
    await client.get("/api/v1/reports/424242", headers=headers)
    body = (await client.get("/metrics")).text
    assert 'route="/api/v1/reports/{report_id}",status="404"' in body
    assert "424242" not in body
    assert "http_request_duration_seconds_bucket" in body


async def test_request_id_is_echoed_or_made(client):
    res = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert res.headers["x-request-id"] == "abc-123"
    made = await client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    assert made.headers["x-request-id"] != "bad id\nwith newline" and len(made.headers["x-request-id"]) == 32


async def test_openapi_docs_are_served(client):
    assert (await client.get("/docs")).status_code == 200
    spec = (await client.get("/openapi.json")).json()
    assert "/api/v1/reports" in spec["paths"]


async def test_access_log_is_json_with_request_id_and_no_secrets(client, session, caplog):
    c = await factories.county(session)
    admin = await factories.staff(session, role="admin", area=c.county)
    with caplog.at_level(logging.INFO, logger="suishoupai.http"):
        res = await client.post(
            "/api/v1/auth/token",
            data={"username": admin.username, "password": factories.PASSWORD},
            headers={"X-Request-ID": "rid-7"},
        )
    token = res.json()["access_token"]
    records = [r for r in caplog.records if r.name == "suishoupai.http"]
    assert records
    lines = [json.loads(JsonFormatter().format(r)) for r in records]
    assert lines[-1]["route"] == "/api/v1/auth/token" and lines[-1]["status"] == 200
    assert lines[-1]["request_id"] == "rid-7"
    for line in lines:
        dumped = json.dumps(line, ensure_ascii=False)
        assert factories.PASSWORD not in dumped and token not in dumped and admin.username not in dumped
