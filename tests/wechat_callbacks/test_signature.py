"""Signatures: the documented vectors and constant-time verification."""

from __future__ import annotations

from tests.wechat_callbacks._support import (
    SAMPLE_ENCRYPT,
    SAMPLE_MSG_SIGNATURE,
    SAMPLE_NONCE,
    SAMPLE_TIMESTAMP,
    SAMPLE_TOKEN,
)
from wechat_callbacks.signature import (
    msg_signature,
    plain_signature,
    verify_msg_signature,
    verify_plain_signature,
)

GET_VECTOR = ("AAAAA", "1714036504", "1514711492")
GET_SIGNATURE = "f464b24fc39322e44b38aa78f5edd27bd1441696"


def test_plain_signature_matches_doc_vector() -> None:
    assert plain_signature(*GET_VECTOR) == GET_SIGNATURE


def test_verify_plain_signature_accepts_the_vector() -> None:
    assert verify_plain_signature(*GET_VECTOR, GET_SIGNATURE) is True


def test_verify_plain_signature_rejects_changes() -> None:
    token, timestamp, nonce = GET_VECTOR
    assert not verify_plain_signature(token, timestamp, nonce, GET_SIGNATURE[:-1] + "7")
    assert not verify_plain_signature("AAAAB", timestamp, nonce, GET_SIGNATURE)
    assert not verify_plain_signature(token, "1714036505", nonce, GET_SIGNATURE)
    assert not verify_plain_signature(token, timestamp, nonce, "")
    # WeChat sends lowercase hex; anything else is not its signature.
    assert not verify_plain_signature(token, timestamp, nonce, GET_SIGNATURE.upper())


def test_verify_rejects_non_ascii_without_raising() -> None:
    # hmac.compare_digest would raise TypeError on a non-ASCII str.
    assert verify_plain_signature(*GET_VECTOR, "签名" * 20) is False
    assert verify_msg_signature("t", "1", "2", "e", "\udcff") is False


def test_msg_signature_matches_official_sample() -> None:
    assert msg_signature(SAMPLE_TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE, SAMPLE_ENCRYPT) == SAMPLE_MSG_SIGNATURE
    assert verify_msg_signature(
        SAMPLE_TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE, SAMPLE_ENCRYPT, SAMPLE_MSG_SIGNATURE
    )


def test_msg_signature_covers_the_encrypt_value() -> None:
    tampered = SAMPLE_ENCRYPT[:-5] + "AAAA="
    assert not verify_msg_signature(
        SAMPLE_TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE, tampered, SAMPLE_MSG_SIGNATURE
    )
