"""Requests borrow whole single-connection lanes: bounded, reused, and a wait for one is bounded too."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from app.wechat import errors
from app.wechat.client import WeChatClient
from app.wechat.lanes import Lanes
from tests.fakes.wechat_server import FakeWeChat


async def test_lanes_are_made_on_demand_up_to_their_number_and_reused(fake_wechat: FakeWeChat):
    lanes = Lanes(base_url=fake_wechat.base_url, timeout=httpx.Timeout(5.0), size=3)
    fake_wechat.inject("x", delay=0.05, times=None)

    async def ping() -> int:
        async with lanes.lane() as http:
            return (await http.request("GET", "/x")).status_code

    try:
        assert await asyncio.gather(*(ping() for _ in range(12))) == [404] * 12
        assert len(lanes._all) == 3
        await ping()
        assert len(lanes._all) == 3
    finally:
        await lanes.aclose()


async def test_waiting_too_long_for_a_lane_is_a_timeout_that_sent_nothing(fake_wechat: FakeWeChat):
    lanes = Lanes(base_url=fake_wechat.base_url, timeout=httpx.Timeout(5.0, pool=0.1), size=1)
    fake_wechat.inject("slow", delay=0.5)
    try:
        async with lanes.lane() as http:
            slow = asyncio.create_task(http.request("GET", "/slow"))
            with pytest.raises(httpx.PoolTimeout):
                async with lanes.lane():
                    pass
            await slow
        async with lanes.lane():  # the lane came back
            pass
    finally:
        await lanes.aclose()


async def test_a_transport_with_every_lane_busy_reports_an_unambiguous_timeout(
    wechat_client: WeChatClient, fake_wechat: FakeWeChat
):
    fake_wechat.add_follower("oa-1")
    await wechat_client.user_info("oa-1")  # token in place
    lanes = wechat_client.transport._lanes
    lanes._size, lanes._pool_timeout = 1, 0.05
    fake_wechat.inject("cgi-bin/user/info", delay=0.3)
    busy = asyncio.create_task(wechat_client.user_info("oa-1"))
    await asyncio.sleep(0.05)
    with pytest.raises(errors.WeChatTimeout) as caught:
        await wechat_client.user_info("oa-1")
    assert not caught.value.ambiguous
    assert (await busy).subscribed


@pytest.mark.parametrize("base", ["{}", "{}/", "{}/relay", "{}/relay/"])
async def test_a_lane_joins_paths_and_query_to_its_base_as_a_client_would(fake_wechat: FakeWeChat, base: str):
    # WECHAT_API_BASE may be a relay with a path of its own: the endpoint goes under it, never over it.
    lanes = Lanes(base_url=base.format(fake_wechat.base_url), timeout=httpx.Timeout(5.0), size=1)
    try:
        async with lanes.lane() as http:
            answer = await http.request(
                "POST", "wxa/msg_sec_check", params={"access_token": "T"}, content=b"{}", headers={"X-A": "1"}
            )
        [call] = fake_wechat.calls()
        prefix = "relay/" if "relay" in base else ""
        if not prefix:
            assert answer.json()["errcode"] == 40001  # an unknown token, but read whole and decoded
        assert (call.endpoint, call.method, call.query) == (
            f"{prefix}wxa/msg_sec_check",
            "POST",
            {"access_token": "T"},
        )
        assert (
            answer.request.headers["X-A"] == "1"
            and answer.request.headers["Accept-Encoding"] == "gzip, deflate"
        )
    finally:
        await lanes.aclose()
