"""Typed WeChat errors. Every failure lands in one family, and the family decides what the caller does.

- TransientError: try again later (busy, rate limits, 5xx, timeouts, connection failures).
- TokenError: the access_token was refused; the transport refreshes once and retries once.
- PermanentError: this request will not succeed as it is (bad openid, template, data, no grant, ...).
- CredentialError: the app's own appid/secret/IP whitelist is wrong; nothing works until an admin fixes it.
- NotConfigured: no appid/secret for that app (the embedded demo); nothing was sent.

They subclass wechatpy's WeChatClientException (errcode, errmsg) so code that knows wechatpy reads them
naturally; they never carry the request, whose URL holds the access_token.
"""

from __future__ import annotations

from wechatpy.exceptions import WeChatClientException

TRANSIENT_CODES = frozenset({-1, 45009, 45011})
TOKEN_CODES = frozenset({40001, 40014, 42001})
# From the token endpoints these mean the app's own credentials are wrong, not the token.
CREDENTIAL_CODES = frozenset({40001, 40002, 40013, 40125, 40164, 41002, 41004})


class WeChatError(WeChatClientException):
    """A failed WeChat call. `errcode` is WeChat's, or None for HTTP/network failures."""

    retryable = False

    def __init__(
        self,
        errcode: int | None,
        errmsg: str,
        *,
        endpoint: str = "",
        http_status: int | None = None,
        ambiguous: bool = False,
    ) -> None:
        super().__init__(errcode, errmsg)
        self.endpoint = endpoint
        self.http_status = http_status
        # True when WeChat may have acted on the request although we saw no answer (read timeout, 5xx).
        self.ambiguous = ambiguous

    @property
    def reason(self) -> str:
        """A short, token-free description for logs and the outbox's last_error."""
        head = f"{self.errcode}" if self.errcode is not None else f"HTTP {self.http_status or '-'}"
        return f"{head} {self.errmsg}".strip()[:300]

    def __str__(self) -> str:
        return f"{self.endpoint}: {self.reason}" if self.endpoint else self.reason


class TransientError(WeChatError):
    retryable = True


class WeChatTimeout(TransientError):
    pass


class TokenError(WeChatError):
    # After the one refresh-and-retry a token error is worth trying again later, not a dead row.
    retryable = True


class CredentialError(WeChatError):
    retryable = True


class PermanentError(WeChatError):
    pass


class NotConfigured(WeChatError):
    def __init__(self, app: str) -> None:
        super().__init__(None, f"wechat_not_configured: no appid/secret for {app}")
        self.app = app


class InvalidOpenid(PermanentError):
    pass


class NotFollowing(PermanentError):
    pass


class NoSubscribeGrant(PermanentError):
    pass


class InvalidTemplate(PermanentError):
    pass


class InvalidData(PermanentError):
    pass


class InvalidCode(PermanentError):
    pass


_SPECIFIC: dict[int, type[PermanentError]] = {
    40003: InvalidOpenid,
    43004: NotFollowing,
    43101: NoSubscribeGrant,
    40037: InvalidTemplate,
    47003: InvalidData,
    40029: InvalidCode,
}


def error_for(errcode: int, errmsg: str, *, endpoint: str, token_endpoint: bool = False) -> WeChatError:
    """Map one errcode to its typed error. Unknown codes are permanent: retrying blindly never ends."""
    if token_endpoint and errcode in CREDENTIAL_CODES:
        return CredentialError(errcode, errmsg, endpoint=endpoint)
    if errcode in TRANSIENT_CODES:
        return TransientError(errcode, errmsg, endpoint=endpoint)
    if errcode in TOKEN_CODES:
        return TokenError(errcode, errmsg, endpoint=endpoint)
    if errcode == 40164:  # this server's IP is not on the app's whitelist
        return CredentialError(errcode, errmsg, endpoint=endpoint)
    return _SPECIFIC.get(errcode, PermanentError)(errcode, errmsg, endpoint=endpoint)
