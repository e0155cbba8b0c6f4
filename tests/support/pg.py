"""Test databases on a real PostgreSQL: one migrated template per run, cloned for tests needing their own."""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import asyncpg

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def base_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_URL
    return (
        url.replace("postgresql://", "postgresql+asyncpg://", 1) if url.startswith("postgresql://") else url
    )


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def admin_execute(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(_dsn(url))
    try:
        for stmt in statements:
            await conn.execute(stmt)
    finally:
        await conn.close()


async def drop_stale_databases(url: str) -> None:
    """Databases left by killed runs (their pid is gone) are dropped, so they never pile up."""
    conn = await asyncpg.connect(_dsn(url))
    try:
        names = [
            r["datname"]
            for r in await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE 'ssp\\_t%'")
        ]
        for name in names:
            try:
                pid = int(name.split("_")[2])
            except (IndexError, ValueError):
                continue
            if not _alive(pid):
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_prefix() -> str:
    return f"ssp_t_{os.getpid()}"


async def clone(url: str, template: str) -> str:
    name = f"{run_prefix()}_{uuid.uuid4().hex[:8]}"
    await admin_execute(url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


async def drop(url: str, name: str) -> None:
    await admin_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
