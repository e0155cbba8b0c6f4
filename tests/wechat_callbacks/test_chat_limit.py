"""The daily limit holds for chat reports too, counted together with the mini program's."""

from __future__ import annotations

import pytest

from tests import factories
from tests.wechat_callbacks.conftest import callback_settings, follower
from tests.wechat_callbacks.test_chat_reports import reports_of, say


@pytest.fixture
def cb_settings(wechat_settings):
    return callback_settings(wechat_settings, wechat_chat_daily_report_limit=2)


async def test_a_follower_past_the_daily_limit_is_told_and_no_report_is_made(wx, session, county):
    villager = await follower(session, village=county.village)
    await factories.report(
        session, village=county.village, reporter=villager, now=wx.clock.now
    )  # by mini program
    await session.commit()
    await say(wx, villager.oa_openid, "桥上的栏杆断了")
    wx.clock.advance(minutes=11)  # past the window: a new conversation, a new report
    refused = await say(wx, villager.oa_openid, "水井的盖子也坏了")
    assert "已达每日上限" in refused
    assert [r.description for r in await reports_of(session, villager.id)][1:] == ["桥上的栏杆断了"]
