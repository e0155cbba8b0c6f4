"""The one choke point between this service and api.weixin.qq.com.

Every call goes through `WeChatTransport`: explicit timeouts, the access_token attached from the shared
`TokenStore`, WeChat's errcode mapped to a typed error, and after a token error one refresh and one
retry, never more (wechatpy's auto_retry recurses without bound). Tokens never reach logs or errors.
"""

from __future__ import annotations

import enum
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from prometheus_client import Counter

from app.wechat.errors import (
    CredentialError,
    NotConfigured,
    PermanentError,
    TokenError,
    TransientError,
    WeChatError,
    WeChatTimeout,
    error_for,
)
from app.wechat.lanes import Lanes
from app.wechat.tokens import Fetch, FetchedToken, TokenStore

log = logging.getLogger(__name__)
# httpx logs every request URL at INFO, and WeChat wants the access_token in the query string.
for _noisy in ("httpx", "httpcore"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)
T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(5.0, connect=3.0, pool=5.0)
STABLE_TOKEN = "cgi-bin/stable_token"  # noqa: S105  (an endpoint, not a secret)

WECHAT_CALLS = Counter(
    "wechat_api_calls", "WeChat API calls by endpoint and outcome", ["endpoint", "outcome"]
)
TOKEN_FETCHES = Counter("wechat_token_fetches", "stable_token calls by mode", ["mode"])


class WeChatApp(enum.StrEnum):
    official_account = "oa"
    mini_program = "mp"


@dataclass(frozen=True, slots=True)
class AppCredentials:
    appid: str = ""
    secret: str = field(default="", repr=False)

    @property
    def configured(self) -> bool:
        return bool(self.appid and self.secret)


def _outcome(exc: WeChatError) -> str:
    for family in (TokenError, CredentialError, TransientError, PermanentError):
        if isinstance(exc, family):
            return family.__name__
    return "error"


class WeChatTransport:
    def __init__(
        self,
        *,
        base_url: str,
        apps: Mapping[WeChatApp, AppCredentials],
        tokens: TokenStore,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        max_connections: int = 64,
    ) -> None:
        self._apps = dict(apps)
        self.tokens = tokens
        self._lanes = Lanes(
            base_url=base_url,
            timeout=timeout,
            size=max_connections,
            headers={"User-Agent": "suishoupai/0.1"},
        )

    async def aclose(self) -> None:
        await self._lanes.aclose()

    def configured(self, app: WeChatApp) -> bool:
        return self._apps.get(app, AppCredentials()).configured

    def credentials(self, app: WeChatApp) -> AppCredentials:
        creds = self._apps.get(app, AppCredentials())
        if not creds.configured:
            raise NotConfigured(app.value)
        return creds

    # -- the calls ----------------------------------------------------------------------------------

    async def call(
        self,
        app: WeChatApp,
        method: str,
        endpoint: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        authed: bool = True,
    ) -> dict[str, Any]:
        """A JSON call. Returns WeChat's answer when errcode is 0 (or absent); raises a typed error else."""

        async def attempt(token: str | None) -> dict[str, Any]:
            response = await self._send(method, endpoint, params=params, body=body, token=token)
            return self._json(response, endpoint)

        return await self._authed(app, attempt) if authed else await attempt(None)

    async def call_raw(
        self, app: WeChatApp, method: str, endpoint: str, *, params: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """A call whose success is not JSON (media downloads): a JSON body is WeChat's error."""

        async def attempt(token: str | None) -> httpx.Response:
            response = await self._send(method, endpoint, params=params, body=None, token=token)
            if _looks_like_json(response):
                data = self._json(response, endpoint)
                raise PermanentError(None, f"unexpected JSON answer: {sorted(data)[:5]}", endpoint=endpoint)
            WECHAT_CALLS.labels(endpoint, "ok").inc()
            return response

        return await self._authed(app, attempt)

    async def fetch_token(self, app: WeChatApp, *, force: bool) -> FetchedToken:
        creds = self.credentials(app)
        body = {
            "grant_type": "client_credential",
            "appid": creds.appid,
            "secret": creds.secret,
            "force_refresh": force,
        }
        TOKEN_FETCHES.labels("force" if force else "normal").inc()
        response = await self._send("POST", STABLE_TOKEN, params=None, body=body, token=None)
        data = self._json(response, STABLE_TOKEN, token_endpoint=True)
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise TransientError(None, "stable_token answered without an access_token", endpoint=STABLE_TOKEN)
        return FetchedToken(access_token=token, expires_in=int(data.get("expires_in") or 7200))

    async def refresh_ahead(self, app: WeChatApp) -> bool:
        """Refreshes the app's shared token when it nears its end (the refresh job). True if fetched."""
        return await self.tokens.ensure_fresh(self.credentials(app).appid, self._fetcher(app))

    # -- internals ----------------------------------------------------------------------------------

    def _fetcher(self, app: WeChatApp) -> Fetch:
        async def fetch(force: bool) -> FetchedToken:
            return await self.fetch_token(app, force=force)

        return fetch

    async def _authed(self, app: WeChatApp, attempt: Callable[[str | None], Awaitable[T]]) -> T:
        creds = self.credentials(app)
        fetch = self._fetcher(app)
        token = await self.tokens.get(creds.appid, fetch)
        try:
            return await attempt(token)
        except TokenError as exc:
            log.info(
                "wechat token refused; refreshing once",
                extra={"endpoint": exc.endpoint, "errcode": exc.errcode},
            )
            token = await self.tokens.refresh(creds.appid, stale=token, fetch=fetch)
            return await attempt(token)  # a second TokenError propagates: once, never more

    async def _send(
        self,
        method: str,
        endpoint: str,
        *,
        params: Mapping[str, str] | None,
        body: Mapping[str, Any] | None,
        token: str | None,
    ) -> httpx.Response:
        query = dict(params or {})
        if token is not None:
            query["access_token"] = token
        content = None
        headers = None
        if body is not None:
            # WeChat wants UTF-8 JSON; escaped Chinese is counted differently by some endpoints.
            content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
            headers = {"Content-Type": "application/json; charset=utf-8"}
        try:
            async with self._lanes.lane() as http:
                response = await http.request(
                    method, endpoint, params=query, content=content, headers=headers
                )
        except httpx.TimeoutException as exc:
            # Past the connect phase WeChat may have acted although we never saw the answer.
            ambiguous = not isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
            WECHAT_CALLS.labels(endpoint, "timeout").inc()
            raise WeChatTimeout(
                None, f"timeout ({type(exc).__name__})", endpoint=endpoint, ambiguous=ambiguous
            ) from None
        except httpx.TransportError as exc:
            ambiguous = not isinstance(exc, httpx.ConnectError)
            WECHAT_CALLS.labels(endpoint, "network").inc()
            raise TransientError(
                None, f"network ({type(exc).__name__})", endpoint=endpoint, ambiguous=ambiguous
            ) from None
        if response.status_code >= 500:
            WECHAT_CALLS.labels(endpoint, "http_5xx").inc()
            raise TransientError(
                None, "server error", endpoint=endpoint, http_status=response.status_code, ambiguous=True
            )
        if response.status_code >= 400:
            WECHAT_CALLS.labels(endpoint, "http_4xx").inc()
            raise PermanentError(None, "client error", endpoint=endpoint, http_status=response.status_code)
        return response

    def _json(
        self, response: httpx.Response, endpoint: str, *, token_endpoint: bool = False
    ) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            WECHAT_CALLS.labels(endpoint, "malformed").inc()
            raise TransientError(
                None, "malformed answer (not JSON)", endpoint=endpoint, ambiguous=True
            ) from None
        if not isinstance(data, dict):
            raise TransientError(None, "malformed answer (not an object)", endpoint=endpoint, ambiguous=True)
        errcode = int(data.get("errcode") or 0)
        if errcode:
            exc = error_for(
                errcode, str(data.get("errmsg", "")), endpoint=endpoint, token_endpoint=token_endpoint
            )
            WECHAT_CALLS.labels(endpoint, _outcome(exc)).inc()
            raise exc
        WECHAT_CALLS.labels(endpoint, "ok").inc()
        return data


def _looks_like_json(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "").lower()
    if kind.startswith(("image/", "audio/", "video/", "application/octet-stream")):
        return False
    return "json" in kind or kind.startswith("text/") or response.content[:1] == b"{"
