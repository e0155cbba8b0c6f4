"""Filing a report from the mini program and following it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.media.models import ReportMedia
from app.reports.models import Report
from tests import factories
from tests.miniprogram import helpers, photos


async def _reports(session) -> int:
    return await session.scalar(select(func.count()).select_from(Report))


async def test_a_report_with_photos_is_filed_and_answers_with_its_status(mp, session, settings):
    c = await factories.county(session)
    _, headers = await helpers.villager(session, settings, village=c.village)
    photo_ids = [(await helpers.upload(mp, headers)).json()["id"] for _ in range(2)]
    res = await helpers.submit(mp, headers, photo_ids=photo_ids)
    assert res.status_code == 201, res.text
    body = res.json()
    assert body["status"] == "submitted" and body["status_label"] == "已上报" and body["ledger_no"] is None
    report = await session.get(Report, body["id"])
    assert report.village_id == c.village.id and report.channel == "miniprogram"
    assert (report.lat, report.lng, report.coord_system) == (31.5601, 107.1003, "gcj02")
    attached = (await session.scalars(select(ReportMedia.media_id).order_by(ReportMedia.position))).all()
    assert attached == photo_ids


BAD_REPORTS = {
    "10 photos": {"photo_ids": list(range(1, 11))},
    "a 501-character description": {"description": "路" * 501},
    "an empty description": {"description": "   "},
    "a category that does not exist": {"category": "flying_saucers"},
    "a category of another kind": {"category": "good_deed"},
    "a topic that does not exist": {"topic": "astrology"},
    "latitude out of range": {"location": {"lat": 91, "lng": 107.1}},
    "longitude out of range": {"location": {"lat": 31.5, "lng": -181}},
    "an unknown coordinate system": {"location": {"lat": 31.5, "lng": 107.1, "coord_system": "bd09"}},
    "a village that does not exist": {"village_id": 999999},
}


@pytest.mark.parametrize("label", list(BAD_REPORTS))
async def test_bad_reports_are_refused_with_the_field_named_and_nothing_stored(mp, session, settings, label):
    c = await factories.county(session)
    _, headers = await helpers.villager(session, settings, village=c.village)
    res = await helpers.submit(mp, headers, **BAD_REPORTS[label])
    assert res.status_code == 422, res.text
    detail = res.json()["detail"]
    assert detail["message"] and (detail.get("field") or detail.get("errors"))
    assert await _reports(session) == 0


async def test_a_photo_someone_else_uploaded_cannot_be_attached(mp, session, settings):
    c = await factories.county(session)
    _, alice = await helpers.villager(session, settings, village=c.village)
    _, bob = await helpers.villager(session, settings, village=c.village)
    alices_photo = (await helpers.upload(mp, alice)).json()["id"]
    res = await helpers.submit(mp, bob, photo_ids=[alices_photo])
    assert res.status_code == 422 and res.json()["detail"]["field"] == "photo_ids"
    assert await _reports(session) == 0


async def test_the_daily_limit_stops_a_flood_with_a_clear_message(mp, session, settings, mp_settings):
    c = await factories.county(session)
    _, headers = await helpers.villager(session, settings, village=c.village)
    for _ in range(mp_settings.daily_report_limit):
        assert (await helpers.submit(mp, headers)).status_code == 201
    res = await helpers.submit(mp, headers)
    assert res.status_code == 429 and "每日上限" in res.json()["detail"]["message"]
    assert await _reports(session) == mp_settings.daily_report_limit


async def test_the_village_defaults_to_the_profile_and_is_asked_for_without_one(mp, session, settings):
    c = await factories.county(session)
    _, homeless = await helpers.villager(session, settings)
    res = await helpers.submit(mp, homeless)
    assert res.status_code == 422 and res.json()["detail"]["field"] == "village_id"
    _, at_home = await helpers.villager(session, settings, village=c.other_village)
    created = await helpers.submit(mp, at_home)
    assert (await session.get(Report, created.json()["id"])).village_id == c.other_village.id


async def test_the_photo_position_is_used_only_when_the_villager_agrees(mp, session, settings):
    c = await factories.county(session)
    _, headers = await helpers.villager(session, settings, village=c.village)
    photo = (await helpers.upload(mp, headers, photos.image("JPEG", color=7))).json()["id"]
    without = await helpers.submit(mp, headers, photo_ids=[photo], location=None)
    agreed = await helpers.submit(mp, headers, photo_ids=[photo], location=None, use_photo_location=True)
    assert (await session.get(Report, without.json()["id"])).lat is None
    report = await session.get(Report, agreed.json()["id"])
    assert (report.lat, report.lng, report.coord_system) == (photos.LAT, photos.LNG, "wgs84")


async def test_my_reports_are_listed_newest_first_page_by_page(mp, session, settings):
    c = await factories.county(session)
    _, headers = await helpers.villager(session, settings, village=c.village)
    other, _ = await helpers.villager(session, settings, village=c.village)
    await factories.report(session, village=c.village, reporter=other)
    ids = [(await helpers.submit(mp, headers)).json()["id"] for _ in range(3)]
    first = (await mp.get("/mp/v1/reports", params={"limit": 2}, headers=headers)).json()
    assert [r["id"] for r in first["items"]] == ids[::-1][:2]
    assert first["items"][0]["category"] == "公用设施" and first["items"][0]["kind_label"] == "问题"
    rest = (await mp.get("/mp/v1/reports", params={"cursor": first["next_cursor"]}, headers=headers)).json()
    assert [r["id"] for r in rest["items"]] == [ids[0]] and rest["next_cursor"] is None


async def test_the_detail_shows_the_timeline_in_chinese(mp, session, settings):
    c = await factories.county(session)
    _, headers = await helpers.villager(session, settings, village=c.village)
    report_id = (await helpers.submit(mp, headers)).json()["id"]
    detail = (await mp.get(f"/mp/v1/reports/{report_id}", headers=headers)).json()
    assert detail["mine"] is True and detail["address"] == "石垭村村口"
    assert [(e["action_label"], e["status_label"]) for e in detail["timeline"]] == [("提交", "已上报")]
    assert "等待村(社区)审核" in detail["timeline"][0]["message"]


async def test_another_persons_report_is_404_until_staff_make_it_public(mp, session, settings):
    c = await factories.county(session)
    owner, _ = await helpers.villager(session, settings, village=c.village)
    _, stranger = await helpers.villager(session, settings, village=c.village)
    report = await factories.report(session, village=c.village, reporter=owner)
    report.address = "张三家门口"
    await session.flush()
    res = await mp.get(f"/mp/v1/reports/{report.id}", headers=stranger)
    assert res.status_code == 404
    assert (await mp.get("/mp/v1/reports/987654", headers=stranger)).json() == res.json()
    report.is_public = True
    await session.flush()
    public = (await mp.get(f"/mp/v1/reports/{report.id}", headers=stranger)).json()
    assert public["mine"] is False and public["address"] is None and public["lat"] is None
