"""The photo stores' one contract, met by the local folder and by an S3-compatible bucket (moto's S3
server, a real HTTP server on loopback, plays the bucket: requests are signed and checked)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.core.settings import Settings
from app.media.storage import LocalFolderStorage, MediaStorage, S3Storage, StorageError, key_for, storage_for
from tests.support.s3 import ACCESS, new_bucket, s3_endpoint


@pytest.fixture(params=["local", "s3"])
async def storage(request, tmp_path, s3_endpoint) -> AsyncIterator[MediaStorage]:
    if request.param == "local":
        store: MediaStorage = LocalFolderStorage(tmp_path)
    else:
        bucket = await new_bucket(s3_endpoint)
        store = S3Storage(
            endpoint_url=s3_endpoint, bucket=bucket, region="us-east-1", prefix="ssp/", **ACCESS
        )
    yield store
    await store.aclose()


async def test_a_store_keeps_bytes_under_their_content_key(storage):
    key = key_for("ab" * 32, "jpg")
    assert key.startswith("ab/ab/")
    assert not await storage.exists(key)
    await storage.put(key, b"photo bytes \x00\xff", "image/jpeg")
    assert await storage.exists(key)
    assert await storage.get(key) == b"photo bytes \x00\xff"
    await storage.delete(key)
    assert not await storage.exists(key)
    await storage.delete(key)  # deleting what is gone is no error
    with pytest.raises(FileNotFoundError):
        await storage.get(key)


async def test_the_local_folder_leaves_no_temporary_file_and_keeps_keys_inside(tmp_path):
    storage = LocalFolderStorage(tmp_path / "media")
    await storage.put(key_for("cd" * 32, "png"), b"x", "image/png")
    assert not [p for p in (tmp_path / "media").rglob(".upload-*")]
    with pytest.raises(ValueError, match="escapes"):
        await storage.put("../../etc/passwd", b"x", "text/plain")


async def test_a_missing_bucket_or_a_dead_endpoint_is_a_storage_error(s3_endpoint):
    nowhere = S3Storage(endpoint_url=s3_endpoint, bucket="no-such-bucket", region="us-east-1", **ACCESS)
    with pytest.raises(StorageError, match="404"):
        await nowhere.put("k.jpg", b"x", "image/jpeg")
    await nowhere.aclose()
    bucket = await new_bucket(s3_endpoint)
    dead = S3Storage(endpoint_url="http://127.0.0.1:9", bucket=bucket, region="us-east-1", **ACCESS)
    with pytest.raises(StorageError):
        await dead.put("k.jpg", b"x", "image/jpeg")
    await dead.aclose()


async def test_the_object_is_private_under_the_prefix_with_its_content_type(s3_endpoint):
    bucket = await new_bucket(s3_endpoint)
    store = S3Storage(endpoint_url=s3_endpoint, bucket=bucket, region="us-east-1", prefix="ssp/", **ACCESS)
    await store.put("ab/cd/photo.webp", b"RIFF", "image/webp")
    await store.aclose()
    async with httpx.AsyncClient() as plain:
        unsigned = await plain.get(f"{s3_endpoint}/{bucket}/ssp/ab/cd/photo.webp")
    assert unsigned.status_code == 403  # photos are served by the app to those allowed, never by the bucket
    root = S3Storage(endpoint_url=s3_endpoint, bucket=bucket, region="us-east-1", **ACCESS)
    assert await root.get("ssp/ab/cd/photo.webp") == b"RIFF"
    head = await root._send("HEAD", "ssp/ab/cd/photo.webp")
    assert head.headers["content-type"] == "image/webp"
    await root.aclose()


def test_settings_choose_the_store_and_refuse_an_incomplete_s3_configuration(tmp_path):
    assert isinstance(storage_for(Settings(app_env="test", media_dir=tmp_path)), LocalFolderStorage)
    s3 = Settings(
        app_env="test",
        media_storage="s3",
        s3_endpoint_url="http://127.0.0.1:9000",
        s3_bucket="photos",
        s3_access_key_id="a",
        s3_secret_access_key="b",
    )
    assert isinstance(storage_for(s3), S3Storage)
    with pytest.raises(ValueError, match="S3_BUCKET"):
        Settings(
            app_env="test",
            media_storage="s3",
            s3_endpoint_url="http://x",
            s3_access_key_id="a",
            s3_secret_access_key="b",
        )


__all__ = ["s3_endpoint"]
