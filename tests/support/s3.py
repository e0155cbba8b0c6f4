"""An S3-compatible bucket for tests: moto's S3 server, a real HTTP server on loopback."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer

from app.media.storage import S3Storage

ACCESS = {"access_key_id": "AKIATESTTESTTEST", "secret_access_key": "test-secret"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


async def new_bucket(endpoint: str) -> str:
    """A fresh, empty bucket (making buckets is the operators' job: a signed request of our own)."""
    name = f"photos-{uuid.uuid4().hex[:10]}"
    store = S3Storage(endpoint_url=endpoint, bucket=name, region="us-east-1", **ACCESS)
    response = await store._send("PUT", "")
    await store.aclose()
    assert response.status_code == 200, response.text
    return name
