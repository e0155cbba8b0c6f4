"""POST /mp/v1/media and serving photos back: what is stored, once, and who may see it."""

from __future__ import annotations

from sqlalchemy import func, select

from app.media import service as media_service
from app.media.models import Media
from app.media.uploads import MediaUpload
from tests import factories
from tests.miniprogram import helpers, photos

MB = 1024 * 1024


async def _stored(session) -> tuple[int, int]:
    media = await session.scalar(select(func.count()).select_from(Media))
    uploads = await session.scalar(select(func.count()).select_from(MediaUpload))
    return media, uploads


async def test_an_upload_is_cleaned_stored_and_served_back_to_its_uploader(mp, session, settings, storage):
    _, headers = await helpers.villager(session, settings)
    original = photos.image("JPEG")
    res = await helpers.upload(mp, headers, original)
    assert res.status_code == 201, res.text
    body = res.json()
    assert body["mime_type"] == "image/jpeg" and body["has_location"] is True
    assert "lat" not in body and "gps_lat" not in body  # the position itself is never sent back
    served = await mp.get(f"/mp/v1/media/{body['id']}", headers=headers)
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert photos.SECRET_MAKER.encode() in original and photos.SECRET_MAKER.encode() not in served.content
    media = await session.get(Media, body["id"])
    assert await storage.get(media.storage_key) == served.content


async def test_identical_bytes_are_stored_once_but_each_uploader_may_use_them(mp, session, settings, storage):
    _, alice = await helpers.villager(session, settings)
    _, bob = await helpers.villager(session, settings)
    data = photos.image("PNG")
    first = (await helpers.upload(mp, alice, data)).json()
    again = (await helpers.upload(mp, alice, data)).json()
    other = (await helpers.upload(mp, bob, data)).json()
    assert first["id"] == again["id"] == other["id"]
    assert await _stored(session) == (1, 2)
    assert len([p for p in storage.root.rglob("*.png")]) == 1


async def test_another_villagers_photo_is_not_served(mp, session, settings):
    _, alice = await helpers.villager(session, settings)
    _, bob = await helpers.villager(session, settings)
    media_id = (await helpers.upload(mp, alice)).json()["id"]
    assert (await mp.get(f"/mp/v1/media/{media_id}", headers=bob)).status_code == 404
    assert (await mp.get(f"/mp/v1/media/{media_id}")).status_code == 401


async def test_the_signed_link_serves_the_photo_and_a_tampered_one_does_not(mp, session, settings):
    _, headers = await helpers.villager(session, settings)
    url = (await helpers.upload(mp, headers)).json()["url"]
    assert (await mp.get(url)).status_code == 200
    assert (await mp.get(url.replace("/signed?e=", "/signed?e=9"))).status_code == 404
    assert (await mp.get(url[:-3] + "AAA")).status_code == 404


async def test_a_risky_verdict_from_the_media_check_hides_the_photo(mp, session, settings):
    _, headers = await helpers.villager(session, settings)
    original = photos.image("JPEG", color=99)
    uploaded = (await helpers.upload(mp, headers, original)).json()
    media = await session.get(Media, uploaded["id"])
    await media_service.mark_check_requested(
        session, media=media, trace_id="trace-risky-1", now=factories.NOW
    )
    await media_service.apply_check_result(
        session, trace_id="trace-risky-1", suggest="risky", now=factories.NOW
    )
    assert (await mp.get(f"/mp/v1/media/{uploaded['id']}", headers=headers)).status_code == 404
    assert (await mp.get(uploaded["url"])).status_code == 404
    again = await helpers.upload(mp, headers, original)
    assert again.status_code == 422 and again.json()["detail"]["field"] == "file"


BAD_UPLOADS = {
    "wrong magic bytes (a PDF named .jpg)": (b"%PDF-1.7\n" + bytes(2000), 415),
    "a truncated JPEG": (photos.image("JPEG")[:900], 422),
    "a polyglot: JPEG header then a PHP script": (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00<?php system($_GET[1]); ?>",
        422,
    ),
    "an empty file": (b"", 422),
}


async def test_bad_uploads_are_refused_and_nothing_is_stored(mp, session, settings, storage):
    _, headers = await helpers.villager(session, settings)
    for label, (data, status) in BAD_UPLOADS.items():
        res = await helpers.upload(mp, headers, data)
        assert res.status_code == status, (label, res.text)
        assert res.json()["detail"]["field"] == "file", label
    assert await _stored(session) == (0, 0)
    assert not storage.root.exists() or not any(storage.root.rglob("*.*"))


async def test_a_12_mb_file_is_refused_before_it_is_read(mp, session, settings, storage):
    _, headers = await helpers.villager(session, settings)
    res = await helpers.upload(mp, headers, photos.image("JPEG") + bytes(12 * MB))
    assert res.status_code == 413
    assert "10 MB" in res.json()["detail"]["message"]
    assert await _stored(session) == (0, 0)


async def test_an_upload_without_a_file_field_is_refused(mp, session, settings):
    _, headers = await helpers.villager(session, settings)
    res = await mp.post("/mp/v1/media", headers=headers, data={"name": "x"}, files={"other": ("a", b"1")})
    assert res.status_code == 422 and res.json()["detail"]["field"] == "file"


async def test_others_see_a_public_reports_photo_only_once_wechat_passed_it(mp, session, settings):
    from app.reports.models import Report

    c = await factories.county(session)
    _, alice = await helpers.villager(session, settings, village=c.village)
    _, bob = await helpers.villager(session, settings, village=c.village)
    photo_id = (await helpers.upload(mp, alice)).json()["id"]
    report_id = (await helpers.submit(mp, alice, photo_ids=[photo_id])).json()["id"]
    report = await session.get(Report, report_id)
    report.is_public, report.held_for_review = True, False
    await session.flush()
    assert (await mp.get(f"/mp/v1/media/{photo_id}", headers=bob)).status_code == 404  # still pending
    media = await session.get(Media, photo_id)
    media.check_status = "pass"
    await session.flush()
    assert (await mp.get(f"/mp/v1/media/{photo_id}", headers=bob)).status_code == 200
