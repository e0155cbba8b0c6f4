"""Nearby reports and seconding (附议), rating (回访) and reopening (重办), disclosure, subscriptions."""

from __future__ import annotations

from sqlalchemy import select

from app.notifications.models import Notification, SubscribeGrant
from app.reports.models import Report
from tests import factories
from tests.miniprogram import helpers

HERE = {"lat": 31.5601, "lng": 107.1003}


async def _report_at(session, village, reporter, *, lat, lng, system="gcj02", category="public_facilities"):
    report = await factories.report(session, village=village, reporter=reporter, category_code=category)
    report.lat, report.lng, report.coord_system = lat, lng, system
    await session.flush()
    return report


async def test_nearby_shows_open_reports_of_the_category_within_250_m_across_coordinate_systems(
    mp, session, settings
):
    from app.villagers.nearby import wgs84_to_gcj02

    c = await factories.county(session)
    owner, _ = await helpers.villager(session, settings, village=c.village)
    _, headers = await helpers.villager(session, settings, village=c.village)
    close = await _report_at(session, c.village, owner, lat=31.5610, lng=107.1003)  # ~100 m north
    # The same spot recorded by GPS (WGS-84): hundreds of metres away in raw numbers, 0 m in truth.
    gps_lat, gps_lng = 31.5601, 107.1003
    shifted = wgs84_to_gcj02(gps_lat, gps_lng)
    gps = await _report_at(session, c.village, owner, lat=gps_lat - (shifted[0] - gps_lat),
                           lng=gps_lng - (shifted[1] - gps_lng), system="wgs84")  # fmt: skip
    await _report_at(session, c.village, owner, lat=31.5650, lng=107.1003)  # ~550 m: too far
    await _report_at(session, c.village, owner, lat=31.5602, lng=107.1003, category="roads_traffic")
    res = await mp.get(
        "/mp/v1/reports/nearby", params={**HERE, "category": "public_facilities"}, headers=headers
    )
    assert res.status_code == 200, res.text
    found = {item["id"]: item for item in res.json()}
    assert set(found) == {close.id, gps.id}
    assert found[close.id]["distance_m"] == 100 and found[gps.id]["distance_m"] < 20
    assert "reporter" not in res.text and "lat" not in found[close.id]


async def test_seconding_counts_one_voice_per_villager_and_not_ones_own(mp, session, settings):
    c = await factories.county(session)
    owner, owner_headers = await helpers.villager(session, settings, village=c.village)
    _, neighbour = await helpers.villager(session, settings, village=c.village)
    report = await _report_at(session, c.village, owner, **HERE)
    first = await mp.post(f"/mp/v1/reports/{report.id}/second", headers=neighbour)
    again = await mp.post(f"/mp/v1/reports/{report.id}/second", headers=neighbour)
    assert first.json() == {"report_id": report.id, "seconds": 1, "added": True}
    assert again.json() == {"report_id": report.id, "seconds": 1, "added": False}
    assert (await mp.post(f"/mp/v1/reports/{report.id}/second", headers=owner_headers)).status_code == 409
    mine = (await mp.get(f"/mp/v1/reports/{report.id}", headers=owner_headers)).json()
    assert mine["seconds"] == 1


async def test_rating_closes_a_resolved_report_and_only_once(mp, session, settings):
    c = await factories.county(session)
    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    _, headers = await helpers.villager(session, settings, village=c.village)
    report_id = (await helpers.submit(mp, headers)).json()["id"]
    early = await mp.post(f"/mp/v1/reports/{report_id}/rating", json={"rating": "satisfied"}, headers=headers)
    assert early.status_code == 409 and "不能执行「评价」" in early.json()["detail"]["message"]
    await helpers.resolve(session, report_id, cadre.id)
    before = (await mp.get(f"/mp/v1/reports/{report_id}", headers=headers)).json()
    assert before["can_rate"] is True and before["result"] == "已更换灯泡"
    rated = await mp.post(
        f"/mp/v1/reports/{report_id}/rating", json={"rating": "satisfied", "comment": "很快"}, headers=headers
    )
    assert rated.status_code == 200
    assert rated.json()["status_label"] == "已归档" and rated.json()["rating_label"] == "满意"
    twice = await mp.post(f"/mp/v1/reports/{report_id}/rating", json={"rating": "satisfied"}, headers=headers)
    assert twice.status_code == 409


async def test_unsatisfied_reopens_the_report_and_tells_the_assignee(mp, session, settings):
    c = await factories.county(session)
    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    _, headers = await helpers.villager(session, settings, village=c.village)
    report_id = (await helpers.submit(mp, headers)).json()["id"]
    await helpers.resolve(session, report_id, cadre.id)
    res = await mp.post(
        f"/mp/v1/reports/{report_id}/rating",
        json={"rating": "unsatisfied", "comment": "灯还是不亮"},
        headers=headers,
    )
    assert res.status_code == 200
    body = res.json()
    assert body["status"] == "assigned" and body["timeline"][-1]["action_label"] == "评价"
    assert "重办" in body["timeline"][-1]["message"]
    report = await session.get(Report, report_id)
    assert report.reopen_count == 1
    told = await session.scalar(
        select(Notification).where(Notification.staff_id == cadre.id, Notification.kind == "assigned")
    )
    assert told is not None and told.report_id == report_id


async def test_the_feed_shows_public_resolved_problems_without_anything_about_the_reporter(
    mp, session, settings
):
    c = await factories.county(session)
    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    owner, owner_headers = await helpers.villager(session, settings, village=c.village)
    owner.real_name, owner.phone_masked = "王大爷", "138****5678"
    public = (await helpers.submit(mp, owner_headers, description="桥栏杆断了")).json()["id"]
    private = (await helpers.submit(mp, owner_headers, description="我家的事")).json()["id"]
    for report_id in (public, private):
        await helpers.resolve(session, report_id, cadre.id, result="已修复栏杆")
    for report_id in (public, private):
        report = await session.get(Report, report_id)
        report.held_for_review = False
    (await session.get(Report, public)).is_public = True
    await session.flush()
    res = await mp.get("/mp/v1/feed", params={"area_id": c.town.id})
    assert res.status_code == 200, res.text
    assert [i["id"] for i in res.json()["items"]] == [public]
    item = res.json()["items"][0]
    assert item["village"] == "石垭村" and item["result"] == "已修复栏杆" and item["kind_label"] == "问题"
    for secret in ("王大爷", "138", "o-test", "石垭村村口", "31.56", "107.10"):
        assert secret not in res.text, secret
    other_town = await mp.get("/mp/v1/feed", params={"area_id": c.other_town.id})
    assert other_town.json()["items"] == []


async def test_each_accepted_subscription_buys_one_grant(mp, session, settings):
    villager, headers = await helpers.villager(session, settings)
    body = {"results": {"tmpl-progress": "accept", "tmpl-resolved": "reject"}}
    assert (await mp.post("/mp/v1/subscriptions", json=body, headers=headers)).json() == {
        "granted": {"tmpl-progress": 1}
    }
    again = await mp.post(
        "/mp/v1/subscriptions", json={"results": {"tmpl-progress": "accept"}}, headers=headers
    )
    assert again.json() == {"granted": {"tmpl-progress": 2}}
    grants = (
        await session.scalars(select(SubscribeGrant).where(SubscribeGrant.villager_id == villager.id))
    ).all()
    assert [(g.template_id, g.remaining) for g in grants] == [("tmpl-progress", 2)]
    bad = await mp.post("/mp/v1/subscriptions", json={"results": {"t": "maybe"}}, headers=headers)
    assert bad.status_code == 422
