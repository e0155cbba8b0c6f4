"""The dispatcher: routing, fallbacks, retries and how each row ends — against the fake WeChat server."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.notifications.config import NotifyConfig
from app.notifications.dispatcher import Dispatcher
from app.notifications.kinds import Channel, Kind
from app.notifications.models import SubscribeGrant
from tests import factories
from tests.fakes.wechat_server import FakeWeChat
from tests.notifications._support import (
    NOW,
    TZ,
    bind_staff_oa,
    configure_templates,
    dispatcher,
    notify,
    template_id,
    villager,
)

SUBSCRIBE, TEMPLATE = "cgi-bin/message/subscribe/send", "cgi-bin/message/template/send"


async def _grant_left(session, villager_id, kind=Kind.progress):
    return await session.scalar(
        select(SubscribeGrant.remaining).where(
            SubscribeGrant.villager_id == villager_id,
            SubscribeGrant.template_id == template_id(kind, Channel.mp_subscribe),
        )
    )


async def test_a_villager_holding_a_grant_gets_a_subscribe_message_and_spends_it(
    session, database, wechat_client, fake_wechat: FakeWeChat
):
    await configure_templates(session, fake_wechat)
    v = await villager(session, fake_wechat, oa=True, grants={Kind.progress: 2})
    row = await notify(session, villager_id=v.id)
    counts = await dispatcher(database, wechat_client).run_once(now=NOW)
    assert counts["sent"] == 1
    await session.refresh(row)
    assert (row.status, row.channel, row.attempts) == ("sent", "mp_subscribe", 1)
    assert row.wechat_msgid and row.sent_at is not None and row.claim_token is None
    assert await _grant_left(session, v.id) == 1
    (sent,) = fake_wechat.delivered("subscribe")
    assert sent.page == "pages/report/detail?id=1"
    assert fake_wechat.calls(SUBSCRIBE)[0].body["miniprogram_state"] == "formal"


async def test_43101_spends_nothing_and_falls_back_to_the_official_account(
    session, database, wechat_client, fake_wechat: FakeWeChat
):
    await configure_templates(session, fake_wechat)
    v = await villager(session, fake_wechat, oa=True, grants={Kind.progress: 1})
    fake_wechat.state.grants.clear()  # the villager switched subscribe messages off meanwhile
    row = await notify(session, villager_id=v.id)
    await dispatcher(database, wechat_client).run_once(now=NOW)
    await session.refresh(row)
    assert (row.status, row.channel) == ("sent", "oa_template")
    assert await _grant_left(session, v.id) == 1  # 43101 used nothing up
    assert [c.errcode for c in fake_wechat.calls(SUBSCRIBE)] == [43101]
    assert len(fake_wechat.delivered("template")) == 1


async def test_without_a_grant_a_follower_gets_an_official_account_message(
    session, database, wechat_client, fake_wechat: FakeWeChat
):
    await configure_templates(session, fake_wechat)
    v = await villager(session, fake_wechat, oa=True)
    row = await notify(session, villager_id=v.id)
    await dispatcher(database, wechat_client).run_once(now=NOW)
    await session.refresh(row)
    assert (row.status, row.channel) == ("sent", "oa_template")
    assert fake_wechat.calls(SUBSCRIBE) == []
    (sent,) = fake_wechat.delivered("template")
    assert sent.client_msg_id == row.client_msg_id
    assert sent.miniprogram == {"appid": fake_wechat.state.mp_appid, "pagepath": "pages/report/detail?id=1"}


async def test_a_villager_who_cannot_be_reached_is_undeliverable(
    session, database, wechat_client, fake_wechat: FakeWeChat
):
    await configure_templates(session, fake_wechat)
    v = await villager(session, fake_wechat)  # mini program only, no grant
    row = await notify(session, villager_id=v.id)
    counts = await dispatcher(database, wechat_client).run_once(now=NOW)
    await session.refresh(row)
    assert counts["undeliverable"] == 1 and row.status == "undeliverable"
    assert "no subscribe grant" in (row.last_error or "")
    assert fake_wechat.calls() == []


async def test_staff_get_template_messages_that_open_the_report_in_the_mini_program(
    session, database, wechat_client, fake_wechat: FakeWeChat
):
    await configure_templates(session, fake_wechat)
    c = await factories.county(session)
    handler = await factories.staff(session, role="handler", area=c.village)
    await bind_staff_oa(session, handler, fake_wechat)
    row = await notify(session, staff_id=handler.id, kind=Kind.assigned, report_id=42)
    await dispatcher(database, wechat_client).run_once(now=NOW)
    await session.refresh(row)
    assert (row.status, row.channel, row.template_id) == ("sent", "oa_template", "tpl-oa-assigned")
    (sent,) = fake_wechat.delivered("template")
    assert sent.touser == handler.oa_openid
    assert sent.miniprogram == {
        "appid": fake_wechat.state.mp_appid,
        "pagepath": "pages/workbench/report?id=42",
    }


async def test_transient_errors_are_retried_later_with_backoff(
    session, database, wechat_client, fake_wechat: FakeWeChat
):
    await configure_templates(session, fake_wechat)
    v = await villager(session, fake_wechat, oa=True)
    row = await notify(session, villager_id=v.id)
    fake_wechat.inject(TEMPLATE, errcode=-1)
    d = dispatcher(database, wechat_client, backoff_base_seconds=10.0)
    assert (await d.run_once(now=NOW))["retry"] == 1
    await session.refresh(row)
    assert (row.status, row.attempts, row.last_errcode) == ("pending", 1, -1)
    assert NOW + timedelta(seconds=5) <= row.next_attempt_at <= NOW + timedelta(seconds=11)
    assert await d.run_once(now=NOW + timedelta(seconds=4)) == {}  # not due yet
    assert (await d.run_once(now=NOW + timedelta(seconds=11)))["sent"] == 1
    await session.refresh(row)
    assert (row.status, row.attempts) == ("sent", 2)


async def test_permanent_errors_end_the_row_dead_with_the_reason(
    session, database, wechat_client, fake_wechat: FakeWeChat
):
    await configure_templates(session, fake_wechat)
    v = await villager(session, fake_wechat, oa=True)
    fake_wechat.add_follower(v.oa_openid or "", following=False)  # unfollowed; our row does not know yet
    row = await notify(session, villager_id=v.id)
    counts = await dispatcher(database, wechat_client).run_once(now=NOW)
    await session.refresh(row)
    assert counts["dead"] == 1
    assert (row.status, row.last_errcode) == ("dead", 43004)
    assert "43004" in (row.last_error or "")


async def test_retries_give_up_after_max_attempts(session, database, wechat_client, fake_wechat: FakeWeChat):
    await configure_templates(session, fake_wechat)
    v = await villager(session, fake_wechat, oa=True)
    row = await notify(session, villager_id=v.id)
    fake_wechat.inject(TEMPLATE, status=503, times=None)
    d = dispatcher(database, wechat_client, max_attempts=3)
    for hour in range(3):
        await d.run_once(now=NOW + timedelta(hours=hour))
    await session.refresh(row)
    assert (row.status, row.attempts) == ("dead", 3)
    assert (row.last_error or "").startswith("gave up after 3 attempts: HTTP 503")


async def test_without_wechat_credentials_rows_are_kept_as_not_sent(
    session, database, fake_wechat: FakeWeChat
):
    await configure_templates(session, fake_wechat)
    v = await villager(session, fake_wechat, oa=True, grants={Kind.progress: 1})
    row = await notify(session, villager_id=v.id)
    counts = await dispatcher(database, None).run_once(now=NOW)
    await session.refresh(row)
    assert counts == {"not_sent": 1, "claimed": 1, "batches": 1}
    assert (row.status, row.last_error) == ("not_sent", "wechat_not_configured")
    assert fake_wechat.calls() == []


async def test_a_kind_without_a_configured_template_is_not_sent(
    session, database, wechat_client, fake_wechat: FakeWeChat
):
    v = await villager(session, fake_wechat, oa=True)
    row = await notify(session, villager_id=v.id)
    await dispatcher(database, wechat_client).run_once(now=NOW)
    await session.refresh(row)
    assert (row.status, row.last_error) == ("not_sent", "template_not_configured")


async def test_two_notifications_never_count_on_the_same_grant(
    session, database, wechat_client, fake_wechat: FakeWeChat
):
    await configure_templates(session, fake_wechat)
    v = await villager(session, fake_wechat, oa=True, grants={Kind.progress: 1})
    rows = [await notify(session, villager_id=v.id) for _ in range(2)]
    await dispatcher(database, wechat_client).run_once(now=NOW)
    for row in rows:
        await session.refresh(row)
    assert sorted(r.channel or "" for r in rows) == ["mp_subscribe", "oa_template"]
    assert await _grant_left(session, v.id) == 0
    assert [c.errcode for c in fake_wechat.calls(SUBSCRIBE)] == [0]  # no wasted 43101


async def test_long_and_multiline_values_are_cut_so_the_send_succeeds(
    session, database, wechat_client, fake_wechat: FakeWeChat
):
    await configure_templates(session, fake_wechat)
    v = await villager(session, fake_wechat, oa=True, grants={Kind.progress: 1})
    w = await villager(session, fake_wechat, oa=True)
    title = "村口的路灯已经坏了整整三天了\n晚上黑漆漆的，老人和孩子出门很不安全，请尽快派人修理"
    for person in (v, w):
        await notify(session, villager_id=person.id, title=title, status="办理中（第二次）")
    counts = await dispatcher(database, wechat_client).run_once(now=NOW)
    assert counts["sent"] == 2
    for sent in fake_wechat.delivered():
        assert len(sent.data["thing2"]) == 20 and "\n" not in sent.data["thing2"]
        assert sent.data["phrase3"] == "办理中第二"
        assert sent.data["time4"] == "2026年12月3日 10:00"


async def test_after_an_ambiguous_failure_the_resend_comes_inside_client_msg_ids_window(
    session, database, wechat_client, fake_wechat: FakeWeChat
):
    await configure_templates(session, fake_wechat)
    v = await villager(session, fake_wechat, oa=True)
    row = await notify(session, villager_id=v.id)
    fake_wechat.inject(TEMPLATE, status=504, after=True)  # accepted, but the answer was lost
    d = dispatcher(database, wechat_client, backoff_base_seconds=3600.0)
    await d.run_once(now=NOW)
    await session.refresh(row)
    assert row.status == "pending" and row.next_attempt_at <= NOW + timedelta(minutes=5, seconds=1)
    await d.run_once(now=row.next_attempt_at)
    await session.refresh(row)
    assert row.status == "sent"
    assert len(fake_wechat.calls(TEMPLATE)) == 2 and len(fake_wechat.delivered()) == 1


async def test_a_send_never_starts_after_the_lease_has_run_out(
    session, database, wechat_client, fake_wechat: FakeWeChat
):
    await configure_templates(session, fake_wechat)
    v = await villager(session, fake_wechat, oa=True)
    rows = [await notify(session, villager_id=v.id) for _ in range(3)]
    ticks = iter([0.0, 0.0])  # the run starts and claims at 0 s; every later look at the clock says 10 min

    def monotonic() -> float:
        return next(ticks, 600.0)

    d = Dispatcher(
        sessionmaker=database.sessionmaker,
        client=wechat_client,
        tz=TZ,
        config=NotifyConfig(),
        monotonic=monotonic,
    )
    assert (await d.run_once(now=NOW))["retry"] == 3
    assert fake_wechat.calls(TEMPLATE) == []  # another dispatcher may own these rows by now
    for row in rows:
        await session.refresh(row)
        assert (row.status, row.last_error) == ("pending", "lease ran out before sending")
