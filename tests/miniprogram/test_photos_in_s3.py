"""With MEDIA_STORAGE=s3 the whole photo path runs on the bucket: upload, attach, serve back."""

from __future__ import annotations

import pytest

from app.media.models import Media
from app.media.storage import S3Storage
from tests import factories
from tests.miniprogram import helpers, photos
from tests.support.s3 import ACCESS, new_bucket, s3_endpoint

__all__ = ["s3_endpoint"]


@pytest.fixture
async def storage(s3_endpoint):
    store = S3Storage(
        endpoint_url=s3_endpoint,
        bucket=await new_bucket(s3_endpoint),
        region="us-east-1",
        prefix="mp/",
        **ACCESS,
    )
    yield store
    await store.aclose()


async def test_a_photo_uploaded_to_the_bucket_is_served_back_to_its_reporter(mp, session, settings, storage):
    c = await factories.county(session)
    _, headers = await helpers.villager(session, settings, village=c.village)
    up = await helpers.upload(mp, headers, photos.image("JPEG", color=77))
    assert up.status_code == 201, up.text
    photo = up.json()
    filed = await helpers.submit(mp, headers, photo_ids=[photo["id"]])
    assert filed.status_code == 201, filed.text
    served = await mp.get(f"/mp/v1/media/{photo['id']}", headers=headers)
    assert served.status_code == 200 and served.content[:2] == b"\xff\xd8"
    media = await session.get(Media, photo["id"])
    assert await storage.get(media.storage_key) == served.content  # the bytes came from the bucket
