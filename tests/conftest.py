"""Fixtures: a real PostgreSQL, a per-test transaction rolled back afterwards, and the app over ASGI.

At session start one template database is migrated with Alembic (the only way the schema is made);
the shared test database is cloned from it, and tests that need several connections clone their own.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass

os.environ.setdefault("APP_ENV", "test")
os.environ.setdefault("SECRET_KEY", "test-secret-key-for-the-suite-only-0123456789")

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app.core import migrate
from app.core.database import Database, make_engine
from app.core.settings import Settings
from app.main import create_app
from tests.support import pg

# The fake WeChat server (a real HTTP server on loopback) and its fixtures, for every folder.
pytest_plugins = ["tests.fakes.plugin"]

_STATE: dict[str, str] = {}


def pytest_sessionstart(session: pytest.Session) -> None:
    admin = pg.base_url()
    template = f"{pg.run_prefix()}_tpl"
    shared = f"{pg.run_prefix()}_main"

    async def prepare() -> None:
        await pg.drop_stale_databases(admin)
        await pg.admin_execute(
            admin, f'DROP DATABASE IF EXISTS "{template}"', f'CREATE DATABASE "{template}"'
        )

    try:
        asyncio.run(prepare())
    except OSError as exc:
        pytest.exit(f"PostgreSQL is not reachable at {admin} ({exc}); set TEST_DATABASE_URL", returncode=3)
    migrate.upgrade(pg.with_database(admin, template))
    asyncio.run(pg.admin_execute(admin, f'CREATE DATABASE "{shared}" TEMPLATE "{template}"'))
    _STATE.update(admin=admin, template=template, shared=shared)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _STATE:
        return

    async def cleanup() -> None:
        for name in (_STATE["shared"], _STATE["template"]):
            await pg.drop(_STATE["admin"], name)

    asyncio.run(cleanup())


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(app_env="test", database_url=pg.with_database(_STATE["admin"], _STATE["shared"]))


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(settings.database_url)
    yield eng
    await eng.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        trans = await conn.begin()
        yield conn
        await trans.rollback()


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    # Commits inside the code under test become savepoints; the outer transaction is rolled back.
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, autoflush=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as s:
        yield s


class RolledBackDatabase(Database):
    """A Database whose sessions all live inside the test's rolled-back transaction."""

    def __init__(self, url: str, maker: async_sessionmaker[AsyncSession]) -> None:
        self.url = url
        self.sessionmaker = maker

    async def dispose(self) -> None:
        return None


@pytest.fixture
def database(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> Database:
    return RolledBackDatabase(settings.database_url, sessionmaker)


@pytest.fixture
def app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings, database)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@dataclass
class FreshDatabase:
    url: str
    name: str


@pytest.fixture
async def fresh_db() -> AsyncIterator[FreshDatabase]:
    """A database of its own, cloned from the migrated template, for tests that commit on many connections."""
    name = await pg.clone(_STATE["admin"], _STATE["template"])
    yield FreshDatabase(url=pg.with_database(_STATE["admin"], name), name=name)
    await pg.drop(_STATE["admin"], name)


@pytest.fixture
def admin_url() -> str:
    return _STATE["admin"]
