"""The local folder storage: the contract any other storage (S3-compatible) must meet too."""

from __future__ import annotations

import pytest

from app.media.storage import LocalFolderStorage, key_for


async def test_local_storage_keeps_bytes_under_their_content_key(tmp_path):
    storage = LocalFolderStorage(tmp_path)
    key = key_for("ab" * 32, "jpg")
    assert key.startswith("ab/ab/")
    assert not await storage.exists(key)
    await storage.put(key, b"photo bytes", "image/jpeg")
    assert await storage.exists(key)
    assert await storage.get(key) == b"photo bytes"
    assert not [p for p in tmp_path.rglob(".upload-*")]  # no temporary file left behind
    await storage.delete(key)
    assert not await storage.exists(key)


async def test_a_key_cannot_reach_outside_the_media_folder(tmp_path):
    storage = LocalFolderStorage(tmp_path / "media")
    with pytest.raises(ValueError, match="escapes"):
        await storage.put("../../etc/passwd", b"x", "text/plain")
