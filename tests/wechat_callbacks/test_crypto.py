"""CallbackCrypto: the official sample, layout, strict unpacking, rotation and wechatpy interop."""

from __future__ import annotations

import base64

import pytest
from wechatpy.crypto import WeChatCrypto

from tests.wechat_callbacks._support import (
    AES_KEY,
    APPID,
    NONCE,
    NOW,
    OLD_AES_KEY,
    OTHER_APPID,
    SAMPLE_AES_KEY,
    SAMPLE_APPID,
    SAMPLE_ENCRYPT,
    SAMPLE_TOKEN,
    TEXT_XML,
    TOKEN,
    raw_decrypt,
    raw_encrypt,
)
from wechat_callbacks.crypto import CallbackCrypto
from wechat_callbacks.parsing import parse_xml
from wechat_callbacks.protocol import AppIdMismatch, BadLength, BadPadding, DecryptError
from wechat_callbacks.signature import verify_msg_signature


@pytest.fixture
def crypto() -> CallbackCrypto:
    return CallbackCrypto(TOKEN, AES_KEY, APPID)


def _pad32(data: bytes) -> bytes:
    count = 32 - len(data) % 32
    return data + bytes([count]) * count


def _packed(message: bytes, appid: str = APPID, length: int | None = None) -> bytes:
    size = len(message) if length is None else length
    return b"R" * 16 + size.to_bytes(4, "big") + message + appid.encode()


def test_decrypts_official_sample_exactly() -> None:
    crypto = CallbackCrypto(SAMPLE_TOKEN, SAMPLE_AES_KEY, SAMPLE_APPID)
    fields = parse_xml(crypto.decrypt(SAMPLE_ENCRYPT).encode())
    assert fields["MsgType"] == "text"
    assert fields["Content"] == "abcdteT"
    assert fields["FromUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert fields["MsgId"] == "6054768590064713728"


def test_round_trip_ascii(crypto: CallbackCrypto) -> None:
    assert crypto.decrypt(crypto.encrypt_payload("<xml><A>1</A></xml>")) == "<xml><A>1</A></xml>"


def test_chinese_uses_utf8_byte_length_and_32_byte_padding(crypto: CallbackCrypto) -> None:
    text = "<xml><Content><![CDATA[村口垃圾堆积，请处理🙏]]></Content></xml>"
    encrypt = crypto.encrypt_payload(text)
    plain = raw_decrypt(AES_KEY, encrypt)
    assert len(plain) % 32 == 0
    body = text.encode("utf-8")
    assert len(body) != len(text)  # the multi-byte case is really exercised
    assert int.from_bytes(plain[16:20], "big") == len(body)
    assert plain[20 : 20 + len(body)] == body
    pad = plain[-1]
    assert plain[20 + len(body) : -pad] == APPID.encode()
    assert crypto.decrypt(encrypt) == text


def test_each_encryption_uses_fresh_randomness(crypto: CallbackCrypto) -> None:
    assert crypto.encrypt_payload("same") != crypto.encrypt_payload("same")


def test_encrypted_reply_shape_and_signature(crypto: CallbackCrypto) -> None:
    reply = parse_xml(crypto.encrypt("<xml><A>回复</A></xml>", NONCE, NOW).encode())
    assert set(reply) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert reply["TimeStamp"] == str(NOW)
    assert reply["Nonce"] == NONCE
    assert verify_msg_signature(TOKEN, str(NOW), NONCE, reply["Encrypt"], reply["MsgSignature"])
    assert crypto.decrypt(reply["Encrypt"]) == "<xml><A>回复</A></xml>"


def test_encrypted_reply_keeps_an_awkward_nonce_intact(crypto: CallbackCrypto) -> None:
    nonce = "12]]>34"
    reply = parse_xml(crypto.encrypt("<xml/>", nonce, str(NOW)).encode())
    assert reply["Nonce"] == nonce
    assert verify_msg_signature(TOKEN, str(NOW), nonce, reply["Encrypt"], reply["MsgSignature"])


def test_encrypt_refuses_bad_reply_parameters(crypto: CallbackCrypto) -> None:
    with pytest.raises(ValueError, match="timestamp"):
        crypto.encrypt("<xml/>", NONCE, "soon")
    with pytest.raises(ValueError, match="nonce"):
        crypto.encrypt("<xml/>", "\x00", NOW)


def test_wechatpy_reads_our_reply(crypto: CallbackCrypto) -> None:
    reply = crypto.encrypt(TEXT_XML, NONCE, NOW)
    fields = parse_xml(reply.encode())
    theirs = WeChatCrypto(TOKEN, AES_KEY, APPID)
    decrypted = theirs.decrypt_message(reply, fields["MsgSignature"], str(NOW), NONCE)
    assert decrypted == TEXT_XML


def test_we_read_wechatpy_output(crypto: CallbackCrypto) -> None:
    theirs = WeChatCrypto(TOKEN, AES_KEY, APPID)
    fields = parse_xml(theirs.encrypt_message(TEXT_XML, NONCE, NOW).encode())
    assert crypto.decrypt(fields["Encrypt"]) == TEXT_XML


def test_previous_key_still_opens_during_rotation() -> None:
    old = CallbackCrypto(TOKEN, OLD_AES_KEY, APPID)
    rotated = CallbackCrypto(TOKEN, AES_KEY, APPID, previous_encoding_aes_key=OLD_AES_KEY)
    assert rotated.decrypt(old.encrypt_payload("旧密钥消息")) == "旧密钥消息"
    # Replies always go out under the current key.
    with pytest.raises(DecryptError):
        old.decrypt(rotated.encrypt_payload("new"))


def test_old_key_message_fails_without_rotation_config(crypto: CallbackCrypto) -> None:
    old = CallbackCrypto(TOKEN, OLD_AES_KEY, APPID)
    with pytest.raises(DecryptError):
        crypto.decrypt(old.encrypt_payload("旧密钥消息"))


def test_wrong_appid(crypto: CallbackCrypto) -> None:
    foreign = CallbackCrypto(TOKEN, AES_KEY, OTHER_APPID)
    with pytest.raises(AppIdMismatch):
        crypto.decrypt(foreign.encrypt_payload("<xml/>"))


def test_wrong_appid_is_reported_even_with_a_previous_key() -> None:
    rotated = CallbackCrypto(TOKEN, AES_KEY, APPID, previous_encoding_aes_key=OLD_AES_KEY)
    foreign = CallbackCrypto(TOKEN, AES_KEY, OTHER_APPID)
    with pytest.raises(AppIdMismatch):
        rotated.decrypt(foreign.encrypt_payload("<xml/>"))


def test_appid_prefix_or_suffix_is_not_enough(crypto: CallbackCrypto) -> None:
    for appid in (APPID[:-1], APPID + "x"):
        with pytest.raises(AppIdMismatch):
            crypto.decrypt(raw_encrypt(AES_KEY, _pad32(_packed(b"<xml/>", appid))))


@pytest.mark.parametrize(
    "tail",
    [
        b"\x00" * 32,  # pad value 0
        b"\x05" * 31 + b"\x21",  # pad value 33 > block
        b"\x07" * 28 + b"\x01\x02\x03\x04",  # last byte 4 but bytes before differ
        b"\x20" * 15 + b"\x21" + b"\x20" * 16,  # one wrong byte inside a full block of padding
    ],
)
def test_bad_padding(crypto: CallbackCrypto, tail: bytes) -> None:
    packed = _packed(b"<xml/>")
    filler = b"x" * (-len(packed) % 32)
    with pytest.raises(BadPadding):
        crypto.decrypt(raw_encrypt(AES_KEY, packed + filler + tail))


def test_length_beyond_payload(crypto: CallbackCrypto) -> None:
    with pytest.raises(BadLength):
        crypto.decrypt(raw_encrypt(AES_KEY, _pad32(_packed(b"<xml/>", length=10_000))))


def test_payload_shorter_than_header(crypto: CallbackCrypto) -> None:
    with pytest.raises(BadLength):
        crypto.decrypt(raw_encrypt(AES_KEY, b"short" + b"\x1b" * 27))


def test_message_not_utf8(crypto: CallbackCrypto) -> None:
    with pytest.raises(DecryptError, match="UTF-8"):
        crypto.decrypt(raw_encrypt(AES_KEY, _pad32(_packed(b"\xff\xfe"))))


@pytest.mark.parametrize(
    "value",
    ["", "not base64!", "QUJD", base64.b64encode(b"x" * 17).decode(), "密文", SAMPLE_ENCRYPT + "\n"],
)
def test_undecodable_encrypt_values(crypto: CallbackCrypto, value: str) -> None:
    with pytest.raises(DecryptError):
        crypto.decrypt(value)


@pytest.mark.parametrize("key", ["short", "A" * 44, "!" * 43])
def test_invalid_encoding_aes_key_is_a_config_error(key: str) -> None:
    with pytest.raises(ValueError, match="EncodingAESKey"):
        CallbackCrypto(TOKEN, key, APPID)
