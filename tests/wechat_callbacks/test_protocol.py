"""open_envelope in plaintext, compatible and safe modes; dedupe keys; replies."""

from __future__ import annotations

import json

import pytest
from wechatpy import parse_message

from tests.wechat_callbacks._support import (
    AES_KEY,
    APPID,
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    NONCE,
    NOW,
    OLD_AES_KEY,
    OPENID,
    OTHER_APPID,
    SAMPLE_AES_KEY,
    SAMPLE_APPID,
    SAMPLE_ENCRYPT,
    SAMPLE_MSG_SIGNATURE,
    SAMPLE_NONCE,
    SAMPLE_TIMESTAMP,
    SAMPLE_TOKEN,
    TEXT_XML,
    TOKEN,
    aes_query,
    plain_query,
    raw_encrypt,
    safe_body,
)
from wechat_callbacks.crypto import CallbackCrypto
from wechat_callbacks.parsing import CallbackConfig, CallbackQuery, open_envelope, parse_xml
from wechat_callbacks.protocol import (
    MAX_BODY_BYTES,
    SUCCESS,
    AppIdMismatch,
    BadPadding,
    BodyTooLarge,
    DecryptError,
    EncryptionRequired,
    MalformedMessage,
    ProtocolError,
    SignatureError,
    TimestampError,
    dedupe_key,
    text_reply,
)
from wechat_callbacks.signature import msg_signature, plain_signature

PLAIN = CallbackConfig(TOKEN)
CRYPTO = CallbackCrypto(TOKEN, AES_KEY, APPID)
SAFE = CallbackConfig(TOKEN, CRYPTO)


def q(params: dict[str, str]) -> CallbackQuery:
    return CallbackQuery.from_mapping(params)


def compatible_body(encrypt: str, content: str) -> bytes:
    # Compatible mode: plain fields beside <Encrypt>, covered by no signature.
    return (
        "<xml><ToUserName><![CDATA[gh_account]]></ToUserName>"
        f"<FromUserName><![CDATA[{OPENID}]]></FromUserName><CreateTime>{NOW}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
        "<MsgId>23456789012345678901</MsgId><Injected>yes</Injected>"
        f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    ).encode()


# --- plaintext mode -------------------------------------------------------------------------------


def test_plaintext_mode_returns_fields_after_signature() -> None:
    fields = open_envelope(q(plain_query()), TEXT_XML.encode(), PLAIN, now=NOW)
    assert fields["Content"] == "路灯坏了"
    assert fields["MsgId"] == "23456789012345678901"


def test_plaintext_forged_signature() -> None:
    params = {**plain_query(), "signature": plain_signature("guessed-token", str(NOW), NONCE)}
    with pytest.raises(SignatureError) as caught:
        open_envelope(q(params), TEXT_XML.encode(), PLAIN, now=NOW)
    assert caught.value.http_status == 403


def test_plaintext_missing_signature_or_nonce() -> None:
    without_signature = {k: v for k, v in plain_query().items() if k != "signature"}
    with pytest.raises(SignatureError):
        open_envelope(q(without_signature), TEXT_XML.encode(), PLAIN, now=NOW)
    without_nonce = {k: v for k, v in plain_query().items() if k != "nonce"}
    with pytest.raises(SignatureError):
        open_envelope(q(without_nonce), TEXT_XML.encode(), PLAIN, now=NOW)


@pytest.mark.parametrize("skew", [301, -301, 10**6])
def test_stale_or_future_timestamp(skew: int) -> None:
    params = plain_query(timestamp=str(NOW - skew))
    with pytest.raises(TimestampError) as caught:
        open_envelope(q(params), TEXT_XML.encode(), PLAIN, now=NOW)
    assert caught.value.http_status == 403


def test_timestamp_at_window_edge_and_custom_window() -> None:
    params = plain_query(timestamp=str(NOW - 300))
    assert open_envelope(q(params), TEXT_XML.encode(), PLAIN, now=NOW)["MsgType"] == "text"
    with pytest.raises(TimestampError):
        open_envelope(q(params), TEXT_XML.encode(), PLAIN, now=NOW, window=60)


@pytest.mark.parametrize("timestamp", ["", "+1714036504", " 1714036504", "1714_036504", "١٧١٤٠٣٦٥٠٤", "1e9"])
def test_timestamp_must_be_plain_ascii_digits(timestamp: str) -> None:
    # Signed correctly, so only the timestamp check can refuse it.
    with pytest.raises(TimestampError):
        open_envelope(q(plain_query(timestamp=timestamp)), TEXT_XML.encode(), PLAIN, now=NOW)


def test_missing_timestamp() -> None:
    params = {k: v for k, v in plain_query().items() if k != "timestamp"}
    with pytest.raises(TimestampError):
        open_envelope(q(params), TEXT_XML.encode(), PLAIN, now=NOW)


def test_oversize_body_is_refused_before_anything_else() -> None:
    body = b"<xml><Content>" + b"x" * MAX_BODY_BYTES + b"</Content></xml>"
    with pytest.raises(BodyTooLarge) as caught:
        open_envelope(q({}), body, PLAIN, now=NOW)
    assert caught.value.http_status == 413


def test_malformed_xml_with_valid_signature() -> None:
    with pytest.raises(MalformedMessage) as caught:
        open_envelope(q(plain_query()), b"<xml><Content>oops</xml>", PLAIN, now=NOW)
    assert caught.value.http_status == 400


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "xxe"])
def test_entity_payloads_in_plaintext_mode(payload: bytes) -> None:
    with pytest.raises(MalformedMessage):
        open_envelope(q(plain_query()), payload, PLAIN, now=NOW)


def test_plaintext_refused_when_encryption_is_configured() -> None:
    with pytest.raises(EncryptionRequired) as caught:
        open_envelope(q(plain_query()), TEXT_XML.encode(), SAFE, now=NOW)
    assert caught.value.http_status == 403
    switching = CallbackConfig(TOKEN, CRYPTO, allow_plaintext=True)
    assert open_envelope(q(plain_query()), TEXT_XML.encode(), switching, now=NOW)["Content"] == "路灯坏了"


# --- safe and compatible modes --------------------------------------------------------------------


def test_official_sample_through_open_envelope() -> None:
    crypto = CallbackCrypto(SAMPLE_TOKEN, SAMPLE_AES_KEY, SAMPLE_APPID)
    params = {
        "timestamp": SAMPLE_TIMESTAMP,
        "nonce": SAMPLE_NONCE,
        "encrypt_type": "aes",
        "msg_signature": SAMPLE_MSG_SIGNATURE,
    }
    fields = open_envelope(
        q(params),
        safe_body(SAMPLE_ENCRYPT, "gh_10f6c3c3ac5a"),
        CallbackConfig(SAMPLE_TOKEN, crypto),
        now=int(SAMPLE_TIMESTAMP),
    )
    assert fields["Content"] == "abcdteT"
    assert fields["FromUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert fields["MsgId"] == "6054768590064713728"


def test_safe_mode_round_trip_with_chinese() -> None:
    encrypt = CRYPTO.encrypt_payload(TEXT_XML)
    fields = open_envelope(q(aes_query(encrypt)), safe_body(encrypt), SAFE, now=NOW)
    assert fields == parse_xml(TEXT_XML.encode())
    assert fields["Content"] == "路灯坏了"


def test_compatible_mode_ignores_the_plain_fields() -> None:
    encrypt = CRYPTO.encrypt_payload(TEXT_XML)
    body = compatible_body(encrypt, content="伪造的内容")
    fields = open_envelope(q(aes_query(encrypt)), body, SAFE, now=NOW)
    assert fields["Content"] == "路灯坏了"
    assert "Injected" not in fields
    assert "Encrypt" not in fields


def test_forged_msg_signature() -> None:
    encrypt = CRYPTO.encrypt_payload(TEXT_XML)
    params = {**aes_query(encrypt), "msg_signature": msg_signature("guess", str(NOW), NONCE, encrypt)}
    with pytest.raises(SignatureError):
        open_envelope(q(params), safe_body(encrypt), SAFE, now=NOW)


def test_msg_signature_of_another_message_does_not_transfer() -> None:
    genuine = CRYPTO.encrypt_payload(TEXT_XML)
    swapped = CRYPTO.encrypt_payload(TEXT_XML.replace("路灯坏了", "换了内容"))
    with pytest.raises(SignatureError):
        open_envelope(q(aes_query(genuine)), safe_body(swapped), SAFE, now=NOW)


def test_plain_signature_alone_does_not_open_an_encrypted_push() -> None:
    encrypt = CRYPTO.encrypt_payload(TEXT_XML)
    params = {k: v for k, v in aes_query(encrypt).items() if k != "msg_signature"}
    with pytest.raises(SignatureError):
        open_envelope(q(params), safe_body(encrypt), SAFE, now=NOW)


def test_stale_timestamp_in_safe_mode() -> None:
    encrypt = CRYPTO.encrypt_payload(TEXT_XML)
    params = aes_query(encrypt, timestamp=str(NOW - 3600))
    with pytest.raises(TimestampError):
        open_envelope(q(params), safe_body(encrypt), SAFE, now=NOW)


def test_rotation_through_open_envelope() -> None:
    old = CallbackCrypto(TOKEN, OLD_AES_KEY, APPID)
    rotated = CallbackConfig(TOKEN, CallbackCrypto(TOKEN, AES_KEY, APPID, OLD_AES_KEY))
    encrypt = old.encrypt_payload(TEXT_XML)
    assert open_envelope(q(aes_query(encrypt)), safe_body(encrypt), rotated, now=NOW)["Content"] == "路灯坏了"


def test_wrong_appid_through_open_envelope() -> None:
    encrypt = CallbackCrypto(TOKEN, AES_KEY, OTHER_APPID).encrypt_payload(TEXT_XML)
    with pytest.raises(AppIdMismatch) as caught:
        open_envelope(q(aes_query(encrypt)), safe_body(encrypt), SAFE, now=NOW)
    assert caught.value.http_status == 400


def test_bad_padding_through_open_envelope() -> None:
    packed = b"R" * 16 + (6).to_bytes(4, "big") + b"<xml/>" + APPID.encode()
    encrypt = raw_encrypt(AES_KEY, packed + b"\x00" * (64 - len(packed)))
    with pytest.raises(BadPadding) as caught:
        open_envelope(q(aes_query(encrypt)), safe_body(encrypt), SAFE, now=NOW)
    assert caught.value.http_status == 400


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "xxe"])
def test_entity_payloads_inside_the_encrypted_message(payload: bytes) -> None:
    encrypt = CRYPTO.encrypt_payload(payload.decode())
    with pytest.raises(MalformedMessage):
        open_envelope(q(aes_query(encrypt)), safe_body(encrypt), SAFE, now=NOW)


def test_encrypted_push_without_encrypt_element() -> None:
    params = aes_query("")
    with pytest.raises(MalformedMessage):
        open_envelope(q(params), TEXT_XML.encode(), SAFE, now=NOW)


def test_encrypted_push_without_configured_key() -> None:
    encrypt = CRYPTO.encrypt_payload(TEXT_XML)
    with pytest.raises(DecryptError):
        open_envelope(q(aes_query(encrypt)), safe_body(encrypt), PLAIN, now=NOW)


def test_unknown_encrypt_type() -> None:
    encrypt = CRYPTO.encrypt_payload(TEXT_XML)
    params = {**aes_query(encrypt), "encrypt_type": "rot13"}
    with pytest.raises(MalformedMessage):
        open_envelope(q(params), safe_body(encrypt), SAFE, now=NOW)


def test_config_refuses_a_crypto_with_another_token() -> None:
    with pytest.raises(ValueError, match="token"):
        CallbackConfig("other-token", CRYPTO)


# --- mini program JSON push -----------------------------------------------------------------------

MEDIA_CHECK = {
    "ToUserName": "gh_miniprogram",
    "FromUserName": OPENID,
    "CreateTime": NOW,
    "MsgType": "event",
    "Event": "wxa_media_check",
    "appid": APPID,
    "trace_id": "trace-abc",
    "version": 2,
    "result": {"suggest": "pass", "label": 100},
}


def test_json_plaintext_push() -> None:
    body = json.dumps(MEDIA_CHECK).encode()
    message = open_envelope(q(plain_query()), body, PLAIN, now=NOW, data_format="json")
    assert message["result"]["suggest"] == "pass"


def test_json_safe_mode_push() -> None:
    encrypt = CRYPTO.encrypt_payload(json.dumps(MEDIA_CHECK, ensure_ascii=False))
    body = json.dumps({"ToUserName": "gh_miniprogram", "Encrypt": encrypt}).encode()
    message = open_envelope(q(aes_query(encrypt)), body, SAFE, now=NOW, data_format="json")
    assert message == MEDIA_CHECK


def test_json_safe_mode_forged_signature_and_bad_payload() -> None:
    encrypt = CRYPTO.encrypt_payload("not json")
    body = json.dumps({"Encrypt": encrypt}).encode()
    with pytest.raises(SignatureError):
        open_envelope(q(aes_query("x")), body, SAFE, now=NOW, data_format="json")
    with pytest.raises(MalformedMessage):
        open_envelope(q(aes_query(encrypt)), body, SAFE, now=NOW, data_format="json")


def test_json_encrypt_must_be_a_string() -> None:
    body = json.dumps({"Encrypt": ["x"]}).encode()
    with pytest.raises(MalformedMessage):
        open_envelope(q(aes_query("x")), body, SAFE, now=NOW, data_format="json")


def test_query_from_mapping_ignores_extra_parameters() -> None:
    query = q({**aes_query("e"), "openid": OPENID, "extra": "1"})
    assert query.encrypt_type == "aes"
    assert query.msg_signature == msg_signature(TOKEN, str(NOW), NONCE, "e")
    assert query.nonce == NONCE


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (SignatureError, 403),
        (TimestampError, 403),
        (EncryptionRequired, 403),
        (BodyTooLarge, 413),
        (MalformedMessage, 400),
        (DecryptError, 400),
        (BadPadding, 400),
        (AppIdMismatch, 400),
    ],
)
def test_error_statuses_and_distinct_codes(error: type[ProtocolError], status: int) -> None:
    assert issubclass(error, ProtocolError)
    assert error.http_status == status
    assert error.code != ProtocolError.code


# --- dedupe keys ----------------------------------------------------------------------------------


def test_dedupe_key_for_a_message_keeps_msgid_as_text() -> None:
    assert dedupe_key(parse_xml(TEXT_XML.encode())) == "msg:23456789012345678901"
    # From JSON the id may arrive as an int: the key must still be its exact digits.
    assert dedupe_key({"MsgType": "text", "MsgId": 18446744073709551615}) == "msg:18446744073709551615"


def test_dedupe_key_for_events_where_wechatpy_gives_id_zero() -> None:
    subscribe = (
        f"<xml><ToUserName>gh_account</ToUserName><FromUserName>{OPENID}</FromUserName>"
        f"<CreateTime>{NOW}</CreateTime><MsgType>event</MsgType><Event>subscribe</Event>"
        "<EventKey>qrscene_42</EventKey></xml>"
    )
    unsubscribe = subscribe.replace("<Event>subscribe", "<Event>unsubscribe")
    assert parse_message(subscribe).id == parse_message(unsubscribe).id == 0
    first = dedupe_key(parse_xml(subscribe.encode()))
    assert first == f"evt:{OPENID}:{NOW}:subscribe"
    assert dedupe_key(parse_xml(unsubscribe.encode())) != first


def test_dedupe_key_separates_same_second_events_that_carry_ids() -> None:
    first = dedupe_key(MEDIA_CHECK)
    second = dedupe_key({**MEDIA_CHECK, "trace_id": "trace-def"})
    assert first == f"evt:{OPENID}:{NOW}:wxa_media_check:trace-abc"
    assert first != second
    template = {
        "MsgType": "event",
        "FromUserName": OPENID,
        "CreateTime": "1",
        "Event": "TEMPLATESENDJOBFINISH",
    }
    assert dedupe_key({**template, "MsgID": "200163836"}) == f"evt:{OPENID}:1:TEMPLATESENDJOBFINISH:200163836"


@pytest.mark.parametrize(
    "msg",
    [
        {"MsgType": "text", "Content": "no id"},
        {"MsgType": "event", "FromUserName": OPENID, "Event": "subscribe"},
        {"MsgType": "event", "FromUserName": "", "CreateTime": "1", "Event": "subscribe"},
    ],
)
def test_dedupe_key_needs_its_fields(msg: dict[str, str]) -> None:
    with pytest.raises(MalformedMessage):
        dedupe_key(msg)


# --- replies --------------------------------------------------------------------------------------


def test_text_reply_round_trips_awkward_content() -> None:
    content = "已受理]]><script>&amp;编号 #42]]>"
    reply = parse_xml(text_reply(OPENID, "gh_account", content, NOW).encode())
    assert reply == {
        "ToUserName": OPENID,
        "FromUserName": "gh_account",
        "CreateTime": str(NOW),
        "MsgType": "text",
        "Content": content,
    }


def test_text_reply_drops_characters_xml_cannot_carry() -> None:
    reply = text_reply(OPENID, "gh_account", "ok\x00\x08\ufffe\n好", NOW)
    assert parse_xml(reply.encode())["Content"] == "ok\n好"


def test_text_reply_is_readable_by_wechatpy() -> None:
    message = parse_message(text_reply("gh_account", OPENID, "收到 ]]> 谢谢", NOW))
    assert message.type == "text"
    assert message.content == "收到 ]]> 谢谢"


def test_success_constant() -> None:
    assert SUCCESS == "success"
