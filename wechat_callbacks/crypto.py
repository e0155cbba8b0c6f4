"""AES message encryption of WeChat callbacks (compatible and safe modes), with key rotation."""

from __future__ import annotations

import base64
import re
import secrets

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from wechat_callbacks.protocol import (
    AppIdMismatch,
    BadLength,
    BadPadding,
    DecryptError,
    cdata,
    has_invalid_xml_chars,
)
from wechat_callbacks.signature import msg_signature

# WeChat pads to 32-byte blocks (not AES's 16), so pad values run 1..32.
_PAD_BLOCK = 32
_RANDOM_LEN = 16
_HEADER_LEN = _RANDOM_LEN + 4


def _decode_aes_key(encoding_aes_key: str) -> bytes:
    if len(encoding_aes_key) != 43:
        raise ValueError("EncodingAESKey must be 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except ValueError as exc:
        raise ValueError("EncodingAESKey is not base64") from exc
    if len(key) != 32:
        raise ValueError("EncodingAESKey must decode to 32 bytes")
    return key


def _pad(data: bytes) -> bytes:
    count = _PAD_BLOCK - len(data) % _PAD_BLOCK
    return data + bytes([count]) * count


def _unpad(data: bytes) -> bytes:
    count = data[-1]
    if not 1 <= count <= _PAD_BLOCK or count > len(data) or data[-count:] != bytes([count]) * count:
        raise BadPadding("bad PKCS#7 padding")
    return data[:-count]


class CallbackCrypto:
    """Encrypts replies and decrypts pushes for one account (Official Account or mini program).

    `previous_encoding_aes_key` keeps messages encrypted under the old key readable while the key
    is being rotated in the WeChat console.
    """

    def __init__(
        self,
        token: str,
        encoding_aes_key: str,
        appid: str,
        previous_encoding_aes_key: str | None = None,
    ) -> None:
        if not token or not appid:
            raise ValueError("token and appid are required")
        self.token = token
        self.appid = appid
        self._appid_bytes = appid.encode("utf-8")
        self._key = _decode_aes_key(encoding_aes_key)
        self._keys = [self._key]
        if previous_encoding_aes_key:
            self._keys.append(_decode_aes_key(previous_encoding_aes_key))

    def encrypt_payload(self, text: str) -> str:
        """Base64 Encrypt value for `text`, always under the current key."""
        body = text.encode("utf-8")
        plain = secrets.token_bytes(_RANDOM_LEN) + len(body).to_bytes(4, "big") + body + self._appid_bytes
        encryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16])).encryptor()
        return base64.b64encode(encryptor.update(_pad(plain)) + encryptor.finalize()).decode("ascii")

    def encrypt(self, xml_text: str, nonce: str, timestamp: int | str) -> str:
        """The encrypted passive reply XML wrapping `xml_text`."""
        ts = str(timestamp)
        if not re.fullmatch(r"[0-9]{1,12}", ts):
            raise ValueError("timestamp must be unix seconds")
        if has_invalid_xml_chars(nonce):
            # Stripping would break the signature, which covers the nonce as given.
            raise ValueError("nonce contains characters XML cannot carry")
        encrypt = self.encrypt_payload(xml_text)
        signature = msg_signature(self.token, ts, nonce, encrypt)
        return (
            "<xml>"
            f"<Encrypt>{cdata(encrypt)}</Encrypt>"
            f"<MsgSignature>{cdata(signature)}</MsgSignature>"
            f"<TimeStamp>{ts}</TimeStamp>"
            f"<Nonce>{cdata(nonce)}</Nonce>"
            "</xml>"
        )

    def decrypt(self, encrypt_b64: str) -> str:
        """Plaintext of an Encrypt value, trying the current key and then the previous one."""
        try:
            raw = base64.b64decode(encrypt_b64, validate=True)
        except ValueError as exc:
            raise DecryptError("Encrypt is not base64") from exc
        if not raw or len(raw) % 16:
            raise DecryptError("Encrypt is not a whole number of AES blocks")
        errors: list[DecryptError] = []
        for key in self._keys:
            try:
                return self._open(key, raw)
            except DecryptError as exc:
                errors.append(exc)
        # A wrong appid means some key decrypted cleanly: that is the real story, not the other key's noise.
        for error in errors:
            if isinstance(error, AppIdMismatch):
                raise error
        raise errors[0]

    def _open(self, key: bytes, raw: bytes) -> str:
        decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
        content = _unpad(decryptor.update(raw) + decryptor.finalize())
        if len(content) < _HEADER_LEN:
            raise BadLength("decrypted payload too short")
        end = _HEADER_LEN + int.from_bytes(content[_RANDOM_LEN:_HEADER_LEN], "big")
        if end > len(content):
            raise BadLength("message length exceeds payload")
        if content[end:] != self._appid_bytes:
            raise AppIdMismatch("message is for another appid")
        try:
            return content[_HEADER_LEN:end].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecryptError("message is not UTF-8") from exc
