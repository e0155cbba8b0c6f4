"""parse_xml / parse_json: flat WeChat messages, and every hostile body is a MalformedMessage."""

from __future__ import annotations

import pytest

from tests.wechat_callbacks._support import (
    BILLION_LAUGHS,
    EXTERNAL_DTD,
    EXTERNAL_ENTITY,
    OPENID,
    PARAMETER_ENTITY,
    TEXT_XML,
)
from wechat_callbacks.parsing import parse_json, parse_xml
from wechat_callbacks.protocol import MAX_BODY_BYTES, BodyTooLarge, MalformedMessage


def test_flat_text_message() -> None:
    fields = parse_xml(TEXT_XML.encode())
    assert fields == {
        "ToUserName": "gh_account",
        "FromUserName": OPENID,
        "CreateTime": "1714036504",
        "MsgType": "text",
        "Content": "路灯坏了",
        "MsgId": "23456789012345678901",
    }
    assert all(isinstance(value, str) for value in fields.values())


def test_content_whitespace_and_escapes_are_preserved() -> None:
    body = b"<xml><Content><![CDATA[  two  spaces ]]></Content><Other>a &amp; b &lt; c</Other><Empty/></xml>"
    assert parse_xml(body) == {"Content": "  two  spaces ", "Other": "a & b < c", "Empty": ""}


def test_nested_event_fields_are_flattened() -> None:
    body = b"""<xml>
      <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[pic_sysphoto]]></Event>
      <SendPicsInfo><Count>2</Count><PicList>
        <item><PicMd5Sum><![CDATA[aaa]]></PicMd5Sum></item>
        <item><PicMd5Sum><![CDATA[bbb]]></PicMd5Sum></item>
      </PicList></SendPicsInfo>
    </xml>"""
    assert parse_xml(body) == {
        "MsgType": "event",
        "Event": "pic_sysphoto",
        "SendPicsInfo.Count": "2",
        "SendPicsInfo.PicList.item.0.PicMd5Sum": "aaa",
        "SendPicsInfo.PicList.item.1.PicMd5Sum": "bbb",
    }


@pytest.mark.parametrize(
    "payload",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, PARAMETER_ENTITY, EXTERNAL_DTD],
    ids=["billion-laughs", "external-entity", "parameter-entity", "external-dtd"],
)
def test_doctype_payloads_are_refused_as_malformed(payload: bytes) -> None:
    with pytest.raises(MalformedMessage) as caught:
        parse_xml(payload)
    assert caught.value.http_status == 400
    # Refused at the DOCTYPE itself, before any declaration is read (xmltodict's own guard is the backup).
    assert type(caught.value.__cause__).__name__ == "_DoctypeForbidden"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<xml><Content>unclosed</xml>",
        b"<xml><A>1</A></xml><xml/>",
        b"<notxml><A>1</A></notxml>",
        b"<xml>just text</xml>",
        b"<xml/>",
        b"<xml><A>&undefined;</A></xml>",
        b"<xml><A>\xff\xfe</A></xml>",
        "<xml><A>x</A></xml>".encode("utf-16"),
        b"<xml><A>1</A><A.0>2</A.0><A>3</A></xml>",
        b"<xml><a:b xmlns:a='urn:x'>1</a:b><A>\x00</A></xml>",
        ("<xml>" + "<a>" * 200 + "x" + "</a>" * 200 + "</xml>").encode(),
    ],
)
def test_malformed_xml_is_always_malformed_message(body: bytes) -> None:
    with pytest.raises(MalformedMessage):
        parse_xml(body)


def test_xml_size_cap() -> None:
    padding = b"x" * MAX_BODY_BYTES
    with pytest.raises(BodyTooLarge) as caught:
        parse_xml(b"<xml><Content>" + padding + b"</Content></xml>")
    assert caught.value.http_status == 413


def test_xml_exactly_at_the_cap_parses() -> None:
    shell = b"<xml><Content></Content></xml>"
    body = shell.replace(b"</Content>", b"x" * (MAX_BODY_BYTES - len(shell)) + b"</Content>")
    assert len(body) == MAX_BODY_BYTES
    assert len(parse_xml(body)["Content"]) == MAX_BODY_BYTES - len(shell)


def test_json_object() -> None:
    body = '{"MsgType":"event","Event":"wxa_media_check","result":{"suggest":"pass"},"说明":"好"}'.encode()
    assert parse_json(body) == {
        "MsgType": "event",
        "Event": "wxa_media_check",
        "result": {"suggest": "pass"},
        "说明": "好",
    }


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[1, 2]",
        b'"text"',
        b'{"a": 1, "a": 2}',
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b'{"a": 1',
        b"\xff\xfe{}",
        b"[" * 60_000,
        b'{"n": ' + b"9" * 5000 + b"}",
    ],
)
def test_malformed_json_is_always_malformed_message(body: bytes) -> None:
    with pytest.raises(MalformedMessage):
        parse_json(body)


def test_json_size_cap() -> None:
    with pytest.raises(BodyTooLarge):
        parse_json(b'{"a": "' + b"x" * MAX_BODY_BYTES + b'"}')
