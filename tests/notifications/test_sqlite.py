"""The embedded demo runs on SQLite: the same outbox, claim and token store work there."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from app.core import migrate
from app.core.database import Database
from app.core.settings import Settings
from app.notifications.models import Notification
from app.wechat.factory import build_client
from tests.fakes.wechat_server import FakeWeChat
from tests.notifications._support import NOW, configure_templates, dispatcher, notify, villager


async def test_outbox_on_sqlite_without_and_with_wechat(
    tmp_path, settings: Settings, fake_wechat: FakeWeChat
):
    url = f"sqlite+aiosqlite:///{tmp_path}/demo.db"
    await asyncio.to_thread(migrate.upgrade, url)
    database = Database(url)
    try:
        async with database.sessionmaker() as session, session.begin():
            await configure_templates(session, fake_wechat)
            v = await villager(session, fake_wechat, oa=True)
            first = (await notify(session, villager_id=v.id)).id
        assert (await dispatcher(database, None).run_once(now=NOW))["not_sent"] == 1

        async with database.sessionmaker() as session, session.begin():
            second = (await notify(session, villager_id=v.id)).id
        wechat = settings.model_copy(update={"database_url": url, **fake_wechat.settings_overrides()})
        client = build_client(wechat, database.sessionmaker)
        try:
            assert (await dispatcher(database, client).run_once(now=NOW))["sent"] == 1
        finally:
            await client.aclose()
        async with database.sessionmaker() as session:
            rows = dict((await session.execute(select(Notification.id, Notification.status))).all())
        assert rows == {first: "not_sent", second: "sent"}
        assert fake_wechat.token_fetches() == 1
    finally:
        await database.dispose()
