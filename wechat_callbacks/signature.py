"""WeChat callback signatures: sha1 over the sorted, concatenated parameters, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac


def _sorted_sha1(*parts: str) -> str:
    # SHA-1 is what WeChat mandates here; it is not our choice.
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()  # noqa: S324


def _matches(expected: str, given: str) -> bool:
    # compare_digest raises TypeError on non-ASCII str; such a value cannot be a hex digest anyway.
    return given.isascii() and hmac.compare_digest(expected, given)


def plain_signature(token: str, timestamp: str, nonce: str) -> str:
    """The `signature` query parameter (URL verification and plaintext-mode pushes)."""
    return _sorted_sha1(token, timestamp, nonce)


def verify_plain_signature(token: str, timestamp: str, nonce: str, signature: str) -> bool:
    return _matches(plain_signature(token, timestamp, nonce), signature)


def msg_signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """The `msg_signature` query parameter of encrypted pushes; it also covers the Encrypt value."""
    return _sorted_sha1(token, timestamp, nonce, encrypt)


def verify_msg_signature(token: str, timestamp: str, nonce: str, encrypt: str, signature: str) -> bool:
    return _matches(msg_signature(token, timestamp, nonce, encrypt), signature)
