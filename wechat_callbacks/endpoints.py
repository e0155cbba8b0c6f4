"""The two callback endpoints' secrets, from the settings: the Official Account (XML) and the mini
program's message push (XML or JSON, whichever the console chose; told apart by the body itself)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from app.core.settings import Settings
from wechat_callbacks.crypto import CallbackCrypto
from wechat_callbacks.parsing import CallbackConfig, CallbackQuery, DataFormat, open_envelope

App = Literal["oa", "mp"]


def data_format_of(body: bytes) -> DataFormat:
    return "json" if body.lstrip()[:1] == b"{" else "xml"


@dataclass(frozen=True)
class Endpoint:
    app: App
    appid: str
    config: CallbackConfig
    window_seconds: int

    @property
    def crypto(self) -> CallbackCrypto | None:
        return self.config.crypto

    def data_format(self, body: bytes) -> DataFormat:
        return "xml" if self.app == "oa" else data_format_of(body)

    def open(self, query: CallbackQuery, body: bytes, *, now: int) -> dict[str, Any]:
        """The verified (and decrypted) fields, or a ProtocolError."""
        return open_envelope(
            query,
            body,
            self.config,
            now=now,
            window=self.window_seconds,
            data_format=self.data_format(body),
        )


def _endpoint(
    app: App, *, token: str, aes_key: str, previous_key: str, appid: str, allow_plaintext: bool, window: int
) -> Endpoint | None:
    if not token:
        return None  # not configured: the endpoint answers 404
    crypto = None
    if aes_key:
        if not appid:
            raise ValueError(f"WECHAT_{app.upper()}_AES_KEY is set but WECHAT_{app.upper()}_APPID is not")
        crypto = CallbackCrypto(token, aes_key, appid, previous_key or None)
    return Endpoint(app, appid, CallbackConfig(token, crypto, allow_plaintext=allow_plaintext), window)


def build_endpoints(settings: Settings) -> dict[str, Endpoint]:
    """Raises ValueError for a malformed EncodingAESKey or a key without its AppID."""
    window = settings.wechat_callback_window_seconds
    found = {
        "oa": _endpoint(
            "oa",
            token=settings.wechat_oa_token,
            aes_key=settings.wechat_oa_aes_key,
            previous_key=settings.wechat_oa_previous_aes_key,
            appid=settings.wechat_oa_appid,
            allow_plaintext=settings.wechat_oa_allow_plaintext,
            window=window,
        ),
        "mp": _endpoint(
            "mp",
            token=settings.wechat_mp_token,
            aes_key=settings.wechat_mp_aes_key,
            previous_key=settings.wechat_mp_previous_aes_key,
            appid=settings.wechat_mp_appid,
            allow_plaintext=settings.wechat_mp_allow_plaintext,
            window=window,
        ),
    }
    return {app: endpoint for app, endpoint in found.items() if endpoint is not None}
