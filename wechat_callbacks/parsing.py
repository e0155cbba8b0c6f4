"""Safe parsing of callback bodies, and opening a push (size, timestamp, signature, decryption)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Literal, NoReturn, overload
from xml.parsers import expat

import xmltodict

from wechat_callbacks.crypto import CallbackCrypto
from wechat_callbacks.protocol import (
    DEFAULT_WINDOW_SECONDS,
    MAX_BODY_BYTES,
    BodyTooLarge,
    DecryptError,
    EncryptionRequired,
    MalformedMessage,
    SignatureError,
    TimestampError,
)
from wechat_callbacks.signature import verify_msg_signature, verify_plain_signature

DataFormat = Literal["xml", "json"]
# WeChat messages nest at most a few levels (e.g. SendPicsInfo/PicList/item/PicMd5Sum).
_MAX_DEPTH = 8


class _DoctypeForbidden(Exception):
    pass


def _forbid(*_args: object) -> NoReturn:
    raise _DoctypeForbidden


def _parser_create(encoding: str | None = None, namespace_separator: str | None = None) -> Any:
    parser = expat.ParserCreate(encoding, namespace_separator)
    # WeChat never sends a DTD; refusing any DOCTYPE stops entity tricks before a declaration is read.
    parser.StartDoctypeDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


# xmltodict accepts a stand-in for the expat module; this one hands out hardened parsers.
_HARDENED_EXPAT = SimpleNamespace(ParserCreate=_parser_create)


def _check_size(body: bytes) -> None:
    if len(body) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"body exceeds {MAX_BODY_BYTES} bytes")


def _flatten(prefix: str, value: Any, out: dict[str, str], depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise MalformedMessage("XML nested too deeply")
    if isinstance(value, list):
        for index, item in enumerate(value):
            _flatten(f"{prefix}.{index}", item, out, depth + 1)
        return
    if isinstance(value, dict):
        # Attributes and mixed-content text are no part of WeChat messages.
        children = {k: v for k, v in value.items() if not k.startswith(("@", "#"))}
        if children:
            for key, child in children.items():
                _flatten(f"{prefix}.{key}" if prefix else key, child, out, depth + 1)
            return
        value = value.get("#text")
    if prefix in out:
        raise MalformedMessage(f"field {prefix!r} appears twice")
    out[prefix] = "" if value is None else str(value)


def parse_xml(body: bytes) -> dict[str, str]:
    """Fields of a `<xml>…</xml>` message; nested elements become "Parent.Child", repeats "Name.0"."""
    _check_size(body)
    try:
        # WeChat sends UTF-8 only; decoding first also overrides any encoding declaration.
        text = body.decode("utf-8")
        document = xmltodict.parse(
            text,
            encoding="utf-8",
            expat=_HARDENED_EXPAT,
            disable_entities=True,
            strip_whitespace=False,
        )
    except Exception as exc:  # any parser failure on untrusted bytes is a 400, never a 500
        raise MalformedMessage("body is not well-formed XML") from exc
    if not isinstance(document, dict) or list(document) != ["xml"] or not isinstance(document["xml"], dict):
        raise MalformedMessage("expected a single <xml> root with child elements")
    out: dict[str, str] = {}
    for key, value in document["xml"].items():
        if not key.startswith(("@", "#")):
            _flatten(key, value, out, 1)
    if not out:
        raise MalformedMessage("empty message")
    return out


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def parse_json(body: bytes) -> dict[str, Any]:
    """A JSON object body (mini program push); duplicate keys and NaN/Infinity are refused."""
    _check_size(body)
    try:
        value = json.loads(
            body.decode("utf-8"),
            object_pairs_hook=_reject_duplicates,
            parse_constant=_reject_constant,
        )
    except (ValueError, RecursionError) as exc:
        raise MalformedMessage("body is not well-formed JSON") from exc
    if not isinstance(value, dict):
        raise MalformedMessage("expected a JSON object")
    return value


@dataclass(frozen=True)
class CallbackQuery:
    """The query parameters WeChat adds to a push."""

    signature: str | None = None
    timestamp: str | None = None
    nonce: str | None = None
    encrypt_type: str | None = None
    msg_signature: str | None = None

    @classmethod
    def from_mapping(cls, params: Mapping[str, str]) -> CallbackQuery:
        return cls(
            signature=params.get("signature"),
            timestamp=params.get("timestamp"),
            nonce=params.get("nonce"),
            encrypt_type=params.get("encrypt_type"),
            msg_signature=params.get("msg_signature"),
        )


@dataclass(frozen=True)
class CallbackConfig:
    """One callback endpoint's secrets.

    With `crypto` set, plaintext pushes are refused unless `allow_plaintext` (only while switching
    modes): a plaintext signature covers no body, so accepting one would undo the encryption.
    """

    token: str
    crypto: CallbackCrypto | None = None
    allow_plaintext: bool = False

    def __post_init__(self) -> None:
        if not self.token:
            raise ValueError("token is required")
        if self.crypto is not None and self.crypto.token != self.token:
            raise ValueError("crypto was built with another token")


def _checked_timestamp(timestamp: str | None, now: int, window: int) -> str:
    # re's [0-9] is ASCII only, unlike int(), which accepts "+1", " 1", "1_0" and other scripts' digits.
    if timestamp is None or not re.fullmatch(r"[0-9]{1,12}", timestamp):
        raise TimestampError("timestamp missing or not unix seconds")
    if abs(now - int(timestamp)) > window:
        raise TimestampError("timestamp outside the accepted window")
    return timestamp


def _parse(body: bytes, data_format: DataFormat) -> dict[str, Any]:
    return parse_xml(body) if data_format == "xml" else parse_json(body)


@overload
def open_envelope(
    query: CallbackQuery,
    body: bytes,
    config: CallbackConfig,
    *,
    now: int,
    window: int = ...,
    data_format: Literal["xml"] = ...,
) -> dict[str, str]: ...


@overload
def open_envelope(
    query: CallbackQuery,
    body: bytes,
    config: CallbackConfig,
    *,
    now: int,
    window: int = ...,
    data_format: Literal["json"],
) -> dict[str, Any]: ...


def open_envelope(
    query: CallbackQuery,
    body: bytes,
    config: CallbackConfig,
    *,
    now: int,
    window: int = DEFAULT_WINDOW_SECONDS,
    data_format: DataFormat = "xml",
) -> dict[str, Any]:
    """The trusted message of one push, or a ProtocolError subclass saying why not.

    Encrypted pushes (encrypt_type=aes, both compatible and safe mode) yield only the decrypted
    fields: plain fields beside <Encrypt> are covered by no signature. Replays inside the window
    pass; deduplicate with `dedupe_key`.
    """
    _check_size(body)
    timestamp = _checked_timestamp(query.timestamp, now, window)
    if query.nonce is None:
        raise SignatureError("nonce missing")
    nonce = query.nonce

    if query.encrypt_type in (None, "", "raw"):
        if config.crypto is not None and not config.allow_plaintext:
            raise EncryptionRequired("this endpoint accepts encrypted pushes only")
        if query.signature is None or not verify_plain_signature(
            config.token, timestamp, nonce, query.signature
        ):
            raise SignatureError("signature mismatch")
        return _parse(body, data_format)

    if query.encrypt_type != "aes":
        raise MalformedMessage("unknown encrypt_type")
    if config.crypto is None:
        raise DecryptError("encrypted push but no EncodingAESKey configured")
    encrypt = _parse(body, data_format).get("Encrypt")
    if not isinstance(encrypt, str) or not encrypt:
        raise MalformedMessage("encrypted push without an Encrypt value")
    if query.msg_signature is None or not verify_msg_signature(
        config.token, timestamp, nonce, encrypt, query.msg_signature
    ):
        raise SignatureError("msg_signature mismatch")
    return _parse(config.crypto.decrypt(encrypt).encode("utf-8"), data_format)
