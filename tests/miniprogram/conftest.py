"""The mini program app over ASGI, with photos in a temporary folder, its own settings, and WeChat played
by the fake server on loopback (tests/fakes)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.core.database import Database
from app.core.settings import Settings
from app.main import create_app
from app.media.storage import LocalFolderStorage
from app.wechat.client import WeChatClient
from app.wechat.factory import build_client
from miniprogram_api import deps
from miniprogram_api.config import MiniProgramSettings
from tests.fakes.wechat_server import FakeWeChat


@pytest.fixture
def mp_settings() -> MiniProgramSettings:
    return MiniProgramSettings(public_base_url="http://testserver", daily_report_limit=5)


@pytest.fixture
def storage(tmp_path) -> LocalFolderStorage:
    return LocalFolderStorage(tmp_path / "media")


@pytest.fixture
async def wechat_client(wechat_settings: Settings, database: Database) -> AsyncIterator[WeChatClient]:
    client = build_client(wechat_settings, database.sessionmaker)
    yield client
    await client.aclose()


@pytest.fixture
async def mp(
    wechat_settings: Settings,
    database: Database,
    mp_settings: MiniProgramSettings,
    storage: LocalFolderStorage,
    wechat_client: WeChatClient,
) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(wechat_settings, database)
    application.dependency_overrides[deps.get_storage] = lambda: storage
    application.dependency_overrides[deps._mp_settings] = lambda: mp_settings
    application.state.wechat = wechat_client
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def fake(fake_wechat: FakeWeChat) -> FakeWeChat:
    return fake_wechat
