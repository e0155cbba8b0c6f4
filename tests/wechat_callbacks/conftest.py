"""The app with both callback endpoints configured (safe mode, plaintext allowed so all three modes can
be exercised), WeChat played by the fake server on loopback, photos in a temporary folder, and a clock
the tests move."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.database import Database
from app.core.settings import Settings
from app.http.deps import get_now
from app.main import create_app
from app.media.storage import LocalFolderStorage
from app.people.models import Villager
from app.wechat.client import WeChatClient
from app.wechat.factory import build_client
from tests import factories
from tests.fakes.wechat_server import FakeWeChat
from tests.wechat_callbacks._http import MP_AES_KEY, MP_TOKEN, OA_AES_KEY, OA_TOKEN, Clock, WeChatPusher

_openids = itertools.count(1)


def callback_settings(base: Settings, **extra: object) -> Settings:
    return base.model_copy(
        update={
            "wechat_oa_token": OA_TOKEN,
            "wechat_oa_aes_key": OA_AES_KEY,
            "wechat_oa_allow_plaintext": True,
            "wechat_mp_token": MP_TOKEN,
            "wechat_mp_aes_key": MP_AES_KEY,
            "wechat_mp_allow_plaintext": True,
            **extra,
        }
    )


@pytest.fixture
def fake(fake_wechat: FakeWeChat) -> FakeWeChat:
    return fake_wechat


@pytest.fixture
def cb_settings(wechat_settings: Settings) -> Settings:
    return callback_settings(wechat_settings)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def storage(tmp_path) -> LocalFolderStorage:
    return LocalFolderStorage(tmp_path / "media")


@pytest.fixture
async def wechat_client(cb_settings: Settings, database: Database) -> AsyncIterator[WeChatClient]:
    client = build_client(cb_settings, database.sessionmaker)
    yield client
    await client.aclose()


def configure(
    application: FastAPI, *, clock: Clock, storage: LocalFolderStorage, client: WeChatClient
) -> None:
    application.dependency_overrides[get_now] = lambda: clock.now
    application.state.wechat = client
    application.state.media_storage = storage


@pytest.fixture
def cb_app(
    cb_settings: Settings,
    database: Database,
    clock: Clock,
    storage: LocalFolderStorage,
    wechat_client: WeChatClient,
) -> FastAPI:
    application = create_app(cb_settings, database)
    configure(application, clock=clock, storage=storage, client=wechat_client)
    return application


@pytest.fixture
async def http(cb_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=cb_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def wx(http: httpx.AsyncClient, clock: Clock, fake: FakeWeChat) -> WeChatPusher:
    return WeChatPusher(http, clock, oa_appid=fake.state.oa_appid, mp_appid=fake.state.mp_appid)


@pytest.fixture
async def county(session: AsyncSession) -> factories.County:
    return await factories.county(session)


def new_openid(prefix: str = "oFollower") -> str:
    return f"{prefix}{next(_openids):019d}"


async def follower(
    session: AsyncSession, *, village: object | None = None, unionid: str | None = None
) -> Villager:
    """A villager who follows the Official Account (and, with `village`, has a home village)."""
    villager = await factories.villager(
        session,
        village=village,  # type: ignore[arg-type]
        oa_openid=new_openid(),
        oa_following=True,
        unionid=unionid,
    )
    await session.commit()
    return villager
