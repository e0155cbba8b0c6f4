"""WeChat's failures, each mapped to the typed error that decides what the caller does."""

from __future__ import annotations

import logging

import pytest

from app.core.database import Database
from app.core.settings import Settings
from app.wechat import errors
from app.wechat.client import WeChatClient
from app.wechat.config import WeChatTuning
from app.wechat.factory import build_client
from app.wechat.transport import WeChatApp
from tests.fakes.wechat_server import FakeWeChat

SEND = "cgi-bin/message/template/send"


@pytest.fixture
def follower(fake_wechat: FakeWeChat) -> dict[str, object]:
    fake_wechat.add_follower("oa-1")
    fake_wechat.add_template("tpl-oa", app="oa")
    return {"touser": "oa-1", "template_id": "tpl-oa", "data": {"thing1": "你好"}}


@pytest.mark.parametrize(
    ("errcode", "family"),
    [
        (-1, errors.TransientError),
        (45009, errors.TransientError),
        (45011, errors.TransientError),
        (40003, errors.InvalidOpenid),
        (40037, errors.InvalidTemplate),
        (41030, errors.PermanentError),
        (43004, errors.NotFollowing),
        (43101, errors.NoSubscribeGrant),
        (47003, errors.InvalidData),
        (99999, errors.PermanentError),  # unknown codes are not retried blindly
    ],
)
async def test_errcode_maps_to_its_family(
    wechat_client: WeChatClient, fake_wechat: FakeWeChat, follower, errcode, family
):
    fake_wechat.inject(SEND, errcode=errcode)
    with pytest.raises(family) as caught:
        await wechat_client.send_template(**follower)
    assert caught.value.errcode == errcode
    assert caught.value.retryable is issubclass(family, errors.TransientError)
    assert len(fake_wechat.calls(SEND)) == 1  # the transport itself never retries these


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_transient_and_ambiguous(
    wechat_client: WeChatClient, fake_wechat: FakeWeChat, follower, status
):
    fake_wechat.inject(SEND, status=status)
    with pytest.raises(errors.TransientError) as caught:
        await wechat_client.send_template(**follower)
    assert caught.value.http_status == status and caught.value.ambiguous


async def test_a_slow_answer_is_a_timeout(
    wechat_settings: Settings, database: Database, fake_wechat: FakeWeChat, follower
):
    tuning = WeChatTuning(timeout_seconds=0.2, connect_timeout_seconds=0.2)
    client = build_client(wechat_settings, database.sessionmaker, tuning=tuning)
    fake_wechat.inject(SEND, delay=1.0, after=True)
    try:
        with pytest.raises(errors.WeChatTimeout) as caught:
            await client.send_template(**follower)
    finally:
        await client.aclose()
    assert caught.value.retryable and caught.value.ambiguous
    assert len(fake_wechat.delivered()) == 1  # WeChat acted although the answer never arrived


async def test_connection_refused_is_transient_and_not_ambiguous(
    wechat_settings: Settings, database: Database, follower
):
    settings = wechat_settings.model_copy(update={"wechat_api_base": "http://127.0.0.1:9"})  # nobody there
    client = build_client(settings, database.sessionmaker)
    try:
        with pytest.raises(errors.TransientError) as caught:
            await client.stable_token(WeChatApp.official_account)
    finally:
        await client.aclose()
    assert not caught.value.ambiguous


@pytest.mark.parametrize("errcode", [40001, 40014, 42001])
async def test_token_errors_are_refreshed_once_and_retried_once(
    wechat_client: WeChatClient, fake_wechat: FakeWeChat, follower, errcode
):
    fake_wechat.inject(SEND, errcode=errcode)
    assert await wechat_client.send_template(**follower)
    assert len(fake_wechat.calls(SEND)) == 2
    tokens = [c.access_token for c in fake_wechat.calls(SEND)]
    assert tokens[0] != tokens[1]  # normal mode gave the refused token back, so it was forced


async def test_a_second_token_error_is_raised_not_retried_again(
    wechat_client: WeChatClient, fake_wechat: FakeWeChat, follower
):
    fake_wechat.inject(SEND, errcode=40001, times=None)
    per_send = []
    for _ in range(5):
        before = len(fake_wechat.calls(SEND))
        with pytest.raises(errors.TokenError):
            await wechat_client.send_template(**follower)
        per_send.append(len(fake_wechat.calls(SEND)) - before)
    # Once, and once more after the refresh; later sends give up as soon as no new token can be had.
    assert per_send == [2, 1, 1, 1, 1]
    # First fetch, one normal + one forced refresh, then one normal refresh that the 30 s rule stops;
    # after that the refusal is remembered for a while instead of fetching per failure.
    assert fake_wechat.token_fetches() == 4
    assert fake_wechat.token_fetches(force=True) == 1


async def test_wrong_secret_is_a_credential_error_that_is_not_hammered(
    wechat_settings: Settings, database: Database, fake_wechat: FakeWeChat, follower
):
    settings = wechat_settings.model_copy(update={"wechat_oa_secret": "wrong"})
    client = build_client(settings, database.sessionmaker)
    try:
        for _ in range(3):
            with pytest.raises(errors.CredentialError) as caught:
                await client.send_template(**follower)
    finally:
        await client.aclose()
    assert caught.value.errcode == 40125
    assert len(fake_wechat.calls("cgi-bin/stable_token")) == 1
    assert fake_wechat.calls(SEND) == []


async def test_an_unconfigured_app_sends_nothing(
    wechat_settings: Settings, database: Database, fake_wechat: FakeWeChat, follower
):
    settings = wechat_settings.model_copy(update={"wechat_oa_appid": "", "wechat_oa_secret": ""})
    client = build_client(settings, database.sessionmaker)
    try:
        with pytest.raises(errors.NotConfigured):
            await client.send_template(**follower)
    finally:
        await client.aclose()
    assert fake_wechat.calls() == []


async def test_errors_never_show_the_access_token(
    wechat_client: WeChatClient, fake_wechat: FakeWeChat, follower
):
    fake_wechat.inject(SEND, status=502)
    fake_wechat.inject(SEND, errcode=47003)
    for _ in range(2):
        with pytest.raises(errors.WeChatError) as caught:
            await wechat_client.send_template(**follower)
        token = fake_wechat.calls(SEND)[-1].access_token
        assert token and token not in str(caught.value) and token not in repr(caught.value)
        assert "template/send" in str(caught.value)


async def test_logs_never_show_the_access_token(
    wechat_client: WeChatClient, fake_wechat: FakeWeChat, follower, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    fake_wechat.inject(SEND, errcode=40001)
    await wechat_client.send_template(**follower)
    tokens = {c.access_token for c in fake_wechat.calls(SEND)}
    assert len(tokens) == 2
    assert not [r for r in caplog.records if any(t and t in r.getMessage() for t in tokens)]
