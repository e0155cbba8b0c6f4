"""Shared vocabulary of the WeChat callback protocol: errors, limits, message keys and replies."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

MAX_BODY_BYTES = 64 * 1024
DEFAULT_WINDOW_SECONDS = 300
# The reply that tells WeChat "received, nothing to say" (an empty body works too).
SUCCESS = "success"


class ProtocolError(Exception):
    """Base of every callback protocol failure; `http_status` is what the HTTP edge should answer."""

    http_status: ClassVar[int] = 400
    code: ClassVar[str] = "protocol_error"


class SignatureError(ProtocolError):
    """`signature` or `msg_signature` is missing or does not match."""

    http_status = 403
    code = "bad_signature"


class TimestampError(ProtocolError):
    """`timestamp` is missing, not a number, or outside the accepted window."""

    http_status = 403
    code = "bad_timestamp"


class EncryptionRequired(ProtocolError):
    """A plaintext callback reached an endpoint configured for encrypted (safe) mode."""

    http_status = 403
    code = "encryption_required"


class BodyTooLarge(ProtocolError):
    http_status = 413
    code = "body_too_large"


class MalformedMessage(ProtocolError):
    """The body (or the decrypted payload) is not a well-formed WeChat XML/JSON message."""

    http_status = 400
    code = "malformed"


class DecryptError(ProtocolError):
    """The Encrypt value cannot be decrypted into a message for us."""

    http_status = 400
    code = "undecryptable"


class BadPadding(DecryptError):
    code = "bad_padding"


class BadLength(DecryptError):
    code = "bad_length"


class AppIdMismatch(DecryptError):
    """Decrypted fine, but the message was encrypted for another appid."""

    code = "appid_mismatch"


# Characters XML 1.0 forbids even inside CDATA; WeChat rejects a reply containing them.
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def has_invalid_xml_chars(text: str) -> bool:
    return _XML_INVALID.search(text) is not None


def cdata(text: str) -> str:
    """Wrap text in CDATA; a literal "]]>" is split across two sections so it cannot end ours."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to_user: str, from_user: str, content: str, now: int) -> str:
    """Passive text reply XML; `to_user` is the sender's openid, `from_user` our account id."""
    # Dropping forbidden characters beats a malformed reply, which shows the user an error.
    content = _XML_INVALID.sub("", content)
    return (
        "<xml>"
        f"<ToUserName>{cdata(_XML_INVALID.sub('', to_user))}</ToUserName>"
        f"<FromUserName>{cdata(_XML_INVALID.sub('', from_user))}</FromUserName>"
        f"<CreateTime>{int(now)}</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{cdata(content)}</Content>"
        "</xml>"
    )


# Events that carry their own id: two of them for one user can share a CreateTime second.
_EVENT_DISCRIMINATORS = ("MsgID", "trace_id")


def _field(msg: Mapping[str, Any], name: str) -> str:
    value = msg.get(name)
    if value is None or value == "":
        raise MalformedMessage(f"message has no {name}")
    # str() of the raw value: a 64-bit MsgId must never go through int/float.
    return str(value)


def dedupe_key(msg: Mapping[str, Any]) -> str:
    """Key under which a retried delivery of the same message/event is recognised.

    Messages: "msg:<MsgId>". Events: "evt:<FromUserName>:<CreateTime>:<Event>", plus
    ":<MsgID or trace_id>" when the event carries one (template-send results, media checks).
    """
    if msg.get("MsgType") == "event":
        key = f"evt:{_field(msg, 'FromUserName')}:{_field(msg, 'CreateTime')}:{_field(msg, 'Event')}"
        for name in _EVENT_DISCRIMINATORS:
            if msg.get(name) not in (None, ""):
                return f"{key}:{msg[name]}"
        return key
    return f"msg:{_field(msg, 'MsgId')}"
