"""Password hashing (argon2) and the service's own signed tokens."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the user does not exist, so a wrong username costs the same as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def issue_token(
    *, subject: str, audience: str, secret: str, now: datetime, ttl: timedelta, **claims: Any
) -> str:
    payload = {
        "sub": subject,
        "aud": audience,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    payload.update(claims)
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def read_token(token: str, *, audience: str, secret: str) -> dict[str, Any] | None:
    """The claims of a valid, unexpired token for `audience`, else None."""
    try:
        return jwt.decode(token, secret, algorithms=[ALGORITHM], audience=audience)
    except jwt.PyJWTError:
        return None
