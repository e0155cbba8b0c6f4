"""Short-lived signed links to one photo: for WeChat's media check (its servers have no token of ours)
and for `<image src>` in the mini program, which cannot send an Authorization header."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta


def _signature(secret: str, media_id: int, expires: int) -> str:
    mac = hmac.new(secret.encode(), f"media:{media_id}:{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode()


def sign(secret: str, media_id: int, *, now: datetime, ttl: timedelta) -> tuple[int, str]:
    expires = int((now + ttl).timestamp())
    return expires, _signature(secret, media_id, expires)


def verify(secret: str, media_id: int, expires: int, signature: str, *, now: datetime) -> bool:
    if expires < now.timestamp():
        return False
    return hmac.compare_digest(_signature(secret, media_id, expires), signature)
