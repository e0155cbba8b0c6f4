"""msg_sec_check on descriptions and media_check_async on photos, against the fake WeChat."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.clock import utcnow
from app.media import service as media_service
from app.media.models import Media
from app.reports.models import Report
from tests import factories
from tests.miniprogram import helpers


async def test_a_risky_description_is_refused_in_chinese_and_nothing_is_stored(mp, fake, session, settings):
    c = await factories.county(session)
    _, headers = await helpers.villager(session, settings, village=c.village, fake=fake)
    fake.set_text_verdict("违禁词", "risky")
    res = await helpers.submit(mp, headers, description="这里有违禁词")
    assert res.status_code == 422
    assert res.json()["detail"] == {
        "code": "invalid_input",
        "message": "反映内容含有不当信息，未能提交，请修改后重试",
        "field": "description",
    }
    assert await session.scalar(select(func.count()).select_from(Report)) == 0
    assert fake.calls("wxa/msg_sec_check")[-1].body["version"] == 2


async def test_a_description_for_review_is_accepted_but_held(mp, fake, session, settings):
    c = await factories.county(session)
    _, headers = await helpers.villager(session, settings, village=c.village, fake=fake)
    fake.set_text_verdict("敏感", "review")
    held = await helpers.submit(mp, headers, description="有点敏感的事情")
    passed = await helpers.submit(mp, headers, description="水渠堵了")
    assert held.status_code == passed.status_code == 201
    assert held.json()["held_for_review"] is True and passed.json()["held_for_review"] is False
    assert (await session.get(Report, held.json()["id"])).held_for_review is True


async def test_when_wechat_cannot_check_the_text_the_report_is_held_not_waved_through(
    mp, fake, session, settings
):
    c = await factories.county(session)
    _, headers = await helpers.villager(session, settings, village=c.village, fake=fake)
    fake.inject("wxa/msg_sec_check", errcode=-1, times=None)
    res = await helpers.submit(mp, headers)
    assert res.status_code == 201 and res.json()["held_for_review"] is True


async def test_an_upload_asks_for_a_media_check_with_a_signed_link_and_a_risky_push_hides_it(
    mp, fake, session, settings
):
    _, headers = await helpers.villager(session, settings, fake=fake)
    uploaded = (await helpers.upload(mp, headers)).json()
    [call] = fake.calls("wxa/media_check_async")
    assert call.body["version"] == 2 and call.body["media_type"] == 2
    assert f"/mp/v1/media/{uploaded['id']}/signed?e=" in call.body["media_url"]
    # What WeChat's servers would fetch: the photo, with no token of ours.
    assert (await mp.get(call.body["media_url"])).status_code == 200
    media = await session.get(Media, uploaded["id"])
    assert media.check_status == "pending" and media.check_trace_id
    push = fake.state.media_check_push(media.check_trace_id)
    assert push["result"]["suggest"] == "pass"
    fake.set_media_verdict(call.body["media_url"], "risky", 20002)
    await media_service.apply_check_result(
        session, trace_id=media.check_trace_id, suggest="risky", now=utcnow()
    )
    assert media.hidden is True
    assert (await mp.get(f"/mp/v1/media/{uploaded['id']}", headers=headers)).status_code == 404


async def test_the_same_photo_again_is_not_checked_twice(mp, fake, session, settings):
    _, headers = await helpers.villager(session, settings, fake=fake)
    data = (await mp.get((await helpers.upload(mp, headers)).json()["url"])).content
    await helpers.upload(mp, headers, data)
    assert len(fake.calls("wxa/media_check_async")) == 1


async def test_an_unanswered_media_check_is_held_for_review_after_30_minutes(mp, fake, session, settings):
    from datetime import timedelta

    _, headers = await helpers.villager(session, settings, fake=fake)
    media = await session.get(Media, (await helpers.upload(mp, headers)).json()["id"])
    assert (
        await media_service.hold_unanswered_checks(session, now=utcnow() + timedelta(minutes=29))
    ).photos == 0
    assert (
        await media_service.hold_unanswered_checks(session, now=utcnow() + timedelta(minutes=31))
    ).photos == 1
    await session.refresh(media)
    assert media.check_status == "review"
