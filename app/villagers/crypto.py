"""Encryption at rest for what WeChat gives us about a person (session_key, phone number).

AES-256-GCM with a key derived from SECRET_KEY by HKDF, so no second secret has to be managed; the
`purpose` is bound in as associated data, so a ciphertext cannot be moved from one column to another.
"""

from __future__ import annotations

import base64
import functools
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_PREFIX = "v1:"


@functools.lru_cache(maxsize=8)
def _aead(secret: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"suishoupai:villager-data").derive(
        secret.encode()
    )
    return AESGCM(key)


def encrypt(secret: str, plaintext: str, *, purpose: str) -> str:
    nonce = os.urandom(12)
    sealed = _aead(secret).encrypt(nonce, plaintext.encode(), purpose.encode())
    return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(secret: str, token: str, *, purpose: str) -> str:
    if not token.startswith(_PREFIX):
        raise ValueError("unknown ciphertext format")
    raw = base64.urlsafe_b64decode(token[len(_PREFIX) :])
    return _aead(secret).decrypt(raw[:12], raw[12:], purpose.encode()).decode()


def mask_phone(phone: str) -> str:
    """138****5678 for mainland numbers; shorter numbers keep only their last two digits."""
    digits = phone.strip()
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    return "*" * max(0, len(digits) - 2) + digits[-2:]
