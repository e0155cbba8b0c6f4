"""Alembic is the only way the schema is made: every revision goes up, down and up again, on both databases,
and the models never drift from the migrations."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from app.core import migrate
from app.core.database import make_engine


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _stairway(url: str) -> None:
    cfg = migrate.alembic_config(url)
    previous = "base"
    for revision in _revisions():
        command.upgrade(cfg, revision)
        command.downgrade(cfg, previous)
        command.upgrade(cfg, revision)
        previous = revision
    command.check(cfg)  # raises when the models and the migrations differ


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    return names


async def test_stairway_and_drift_on_postgresql(admin_url):
    from tests.support import pg

    name = f"{pg.run_prefix()}_stairway"
    await pg.admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    url = pg.with_database(admin_url, name)
    try:
        await asyncio.to_thread(_stairway, url)
        tables = await _tables(url)
        assert {"reports", "timeline_events", "audit_entries", "alembic_version"} <= tables
        await asyncio.to_thread(migrate.downgrade, url, "base")
        assert await _tables(url) == {"alembic_version"}
    finally:
        await pg.drop(admin_url, name)


async def test_the_same_migrations_run_on_sqlite(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'stairway.db'}"
    await asyncio.to_thread(_stairway, url)
    assert {"reports", "ledger_counters", "categories"} <= await _tables(url)


def test_revisions_form_one_line():
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(script.get_heads()) == 1, "migrations have branched: merge them"


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
async def test_reference_data_is_seeded_by_the_first_migration(dialect, session, tmp_path):
    from sqlalchemy import func, select

    from app.categories.models import Category, Topic

    if dialect == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'ref.db'}"
        await asyncio.to_thread(migrate.upgrade, url)
        engine = make_engine(url)
        async with engine.connect() as conn:
            count = (await conn.execute(select(func.count()).select_from(Category))).scalar_one()
        await engine.dispose()
    else:
        count = await session.scalar(select(func.count()).select_from(Category))
        assert await session.scalar(select(func.count()).select_from(Topic)) == 12
    assert count == 14
