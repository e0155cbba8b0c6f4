"""Liveness, readiness (database reachable, schema at head) and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from app.core.migrate import head_revision
from app.http.deps import SessionDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(session: SessionDep) -> JSONResponse:
    try:
        current = await session.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception:  # any database failure means "not ready", whatever the driver raises
        return JSONResponse({"status": "unavailable", "database": "unreachable or not migrated"}, 503)
    head = head_revision()
    if current != head:
        return JSONResponse({"status": "unavailable", "schema": current, "expected": head}, 503)
    return JSONResponse({"status": "ok", "schema": current})


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
