"""Where photo bytes live, behind one small interface.

`LocalFolderStorage` (under MEDIA_DIR) is the default; `S3Storage` keeps them in any S3-compatible
bucket (AWS S3, MinIO, Aliyun OSS, Tencent COS) so that several app instances share one store.
`storage_for(settings)` picks one. Both meet the same contract (tests/media/test_storage_contract.py).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

import anyio
import httpx
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

if TYPE_CHECKING:
    from app.core.settings import Settings


class MediaStorage(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes: ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None: ...

    async def aclose(self) -> None: ...


def key_for(sha256: str, extension: str) -> str:
    """Content-addressed: identical bytes get one key, and a key never changes meaning."""
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}.{extension}"


class LocalFolderStorage:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError("storage key escapes the media folder")
        return path

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await anyio.to_thread.run_sync(self._write, self._path(key), data)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside, then rename: a reader never sees half a file, a crash leaves no torn one.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def get(self, key: str) -> bytes:
        return await anyio.Path(self._path(key)).read_bytes()

    async def exists(self, key: str) -> bool:
        return await anyio.Path(self._path(key)).is_file()

    async def delete(self, key: str) -> None:
        await anyio.Path(self._path(key)).unlink(missing_ok=True)

    async def aclose(self) -> None:
        return None


class StorageError(Exception):
    """The object store refused or failed a request (the upload then fails; nothing is recorded)."""


class S3Storage:
    """An S3-compatible bucket, path-style requests signed with SigV4 (botocore's signer), sent with
    httpx. A missing object reads as FileNotFoundError, like the local folder."""

    def __init__(
        self,
        *,
        endpoint_url: str,
        bucket: str,
        region: str,
        access_key_id: str,
        secret_access_key: str,
        prefix: str = "",
        timeout: float = 30.0,
    ) -> None:
        self._base = f"{endpoint_url.rstrip('/')}/{quote(bucket)}/"
        self._prefix = prefix
        self._credentials = Credentials(access_key_id, secret_access_key)
        self._region = region
        self._http = httpx.AsyncClient(timeout=timeout, trust_env=False)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _send(
        self, method: str, key: str, *, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> httpx.Response:
        url = self._base + quote(self._prefix + key)
        request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
        request.headers["x-amz-content-sha256"] = hashlib.sha256(body).hexdigest()
        S3SigV4Auth(self._credentials, "s3", self._region).add_auth(request)
        try:
            return await self._http.request(method, url, content=body, headers=dict(request.headers.items()))
        except httpx.HTTPError as exc:
            raise StorageError(f"{method} {key}: {type(exc).__name__}") from exc

    @staticmethod
    def _check(response: httpx.Response, key: str, *ok: int) -> None:
        if response.status_code not in ok:
            raise StorageError(f"{response.request.method} {key}: HTTP {response.status_code}")

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        response = await self._send("PUT", key, body=data, headers={"Content-Type": content_type})
        self._check(response, key, 200)

    async def get(self, key: str) -> bytes:
        response = await self._send("GET", key)
        if response.status_code == 404:
            raise FileNotFoundError(key)
        self._check(response, key, 200)
        return response.content

    async def exists(self, key: str) -> bool:
        response = await self._send("HEAD", key)
        if response.status_code == 404:
            return False
        self._check(response, key, 200)
        return True

    async def delete(self, key: str) -> None:
        self._check(await self._send("DELETE", key), key, 200, 204, 404)


def storage_for(settings: Settings) -> MediaStorage:
    if settings.media_storage == "s3":
        return S3Storage(
            endpoint_url=settings.s3_endpoint_url,
            bucket=settings.s3_bucket,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            prefix=settings.s3_prefix,
        )
    return LocalFolderStorage(settings.media_dir)


def storage_of(app: Any) -> MediaStorage:
    """The app's one store (`app.state.media_storage`), made from its settings on first use."""
    storage: MediaStorage | None = getattr(app.state, "media_storage", None)
    if storage is None:
        storage = storage_for(app.state.settings)
        app.state.media_storage = storage
    return storage
