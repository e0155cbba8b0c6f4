"""Pytest fixtures for the fake WeChat server. Register with `pytest_plugins = ["tests.fakes.plugin"]`
in tests/conftest.py (until then, tests/wechat and tests/notifications import these in their conftest).

- `fake_wechat_server` (session): the running server.
- `fake_wechat`: the same server, reset to a blank state for this test.
- `wechat_settings`: the suite's settings pointed at the fake, with both apps configured.
- `wechat_client`: a WeChatClient on those settings, its token store in the test's rolled-back database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from app.core.database import Database
from app.core.settings import Settings
from app.wechat.client import WeChatClient
from app.wechat.factory import build_client
from tests.fakes.wechat_server import FakeWeChat


@pytest.fixture(scope="session")
def fake_wechat_server() -> Iterator[FakeWeChat]:
    fake = FakeWeChat().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_wechat(fake_wechat_server: FakeWeChat) -> FakeWeChat:
    fake_wechat_server.reset()
    return fake_wechat_server


@pytest.fixture
def wechat_settings(settings: Settings, fake_wechat: FakeWeChat) -> Settings:
    return settings.model_copy(update=fake_wechat.settings_overrides())


@pytest.fixture
async def wechat_client(wechat_settings: Settings, database: Database) -> AsyncIterator[WeChatClient]:
    client = build_client(wechat_settings, database.sessionmaker)
    yield client
    await client.aclose()
