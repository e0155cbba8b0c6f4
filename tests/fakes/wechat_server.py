"""A fake WeChat API server: a real HTTP server on 127.0.0.1 (uvicorn in a background thread).

Every WeChat test talks to it; the outbox bench too. Later issues (callbacks, mini program API) reuse it.

    fake = FakeWeChat(); fake.start()          # or the `fake_wechat` fixture (tests/fakes/plugin.py)
    settings = settings.model_copy(update=fake.settings_overrides())
    ...
    fake.stop()

Endpoints: cgi-bin/stable_token · sns/jscode2session · cgi-bin/message/template/send ·
cgi-bin/message/subscribe/send · cgi-bin/media/get · wxa/msg_sec_check (v2) · wxa/media_check_async (v2) ·
wxa/business/getuserphonenumber · cgi-bin/user/info · cgi-bin/qrcode/create; plus GET /_fake/stats.

Behaviour (see wechat_state.py): stable_token normal mode returns the same token while valid and a new
one in its last 5 minutes; force_refresh revokes the old, is ignored within 30 s, 45009 past 20 a day.
Authed endpoints answer 40001 for unknown/revoked/other-app tokens, 42001 for expired ones. Template
messages need a follower (40003 unknown, 43004 unfollowed), a registered template (40037) and valid values
(47003: ≤ 20 chars, no line breaks, per-type rules); client_msg_id makes a resend within 10 minutes a
no-op answered with the first msgid. Subscribe messages spend one grant each (43101 when none).

Set-up (all thread-safe):
    fake.add_follower(oa_openid, unionid=None, following=True)   fake.add_mp_user(mp_openid, unionid=None)
    fake.grant(mp_openid, template_id, n=1)                      fake.add_template(template_id, app="oa"|"mp")
    fake.add_login_code(code, openid, unionid=None)              fake.add_phone_code(code, phone)
    fake.add_media(media_id, content, content_type, ttl=3 days)  fake.set_text_verdict(word, "risky", 20001)
    fake.set_media_verdict(media_url, "risky", 20002)            fake.revoke_tokens(appid)
    fake.advance(seconds)   # the fake's clock: expire tokens, dedupe windows, media
    fake.state.open_directory = True   # any openid, template, unlimited grants (bench)
Faults (checked before each call, in order; `after=True` acts first, then answers with the fault):
    fake.inject("cgi-bin/message/template/send", errcode=-1, times=2)
    fake.inject("*", status=502, probability=0.3, seed=7)        fake.inject(endpoint, delay=2.0, times=1)
    fake.clear_faults()
Observations:
    fake.calls(endpoint=None) → [Call]     fake.delivered() → [Delivered]      fake.token_fetches(force=None)
    fake.state.media_check_push(trace_id) → the wxa_media_check event body

Run alone (e.g. for the bench): python -m tests.fakes.wechat_server --open   → prints {"base_url": ...}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.wechat_state import Delivered, Follower, MediaItem, WeChatState


@dataclass
class Call:
    endpoint: str
    method: str
    query: dict[str, str]
    body: dict[str, Any]
    at: float
    status: int = 200
    errcode: int = 0
    fault: bool = False

    @property
    def access_token(self) -> str | None:
        return self.query.get("access_token")


@dataclass
class Fault:
    endpoint: str  # or "*"
    errcode: int | None = None
    status: int | None = None
    delay: float = 0.0
    times: int | None = 1  # None: no limit (use with probability)
    probability: float | None = None
    after: bool = False
    rng: random.Random = field(default_factory=random.Random)

    def fires(self, endpoint: str) -> bool:
        if self.endpoint not in ("*", endpoint) or self.times == 0:
            return False
        if endpoint == "cgi-bin/stable_token" and self.endpoint == "*":
            return False  # "*" means the business endpoints; break the token endpoint by name
        if self.probability is not None and self.rng.random() >= self.probability:
            return False
        if self.times is not None:
            self.times -= 1
        return True


class FakeWeChat:
    def __init__(self, *, token_ttl: int = 7200) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._token_ttl = token_ttl
        self.state = self._new_state()
        self._faults: list[Fault] = []
        self._calls: list[Call] = []
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    def _new_state(self) -> WeChatState:
        return WeChatState(token_ttl=self._token_ttl, clock=self.now)

    # -- lifecycle ----------------------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeWeChat:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        app = Starlette(routes=[Route("/{path:path}", self._endpoint, methods=["GET", "POST"])])
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", backlog=4096)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True, name="fake-wechat"
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake WeChat server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0
            self.state = self._new_state()
            self._faults.clear()
            self._calls.clear()

    def settings_overrides(self) -> dict[str, str]:
        """Fields of app.core.settings.Settings that point the service at this fake."""
        s = self.state
        return {
            "wechat_api_base": self.base_url,
            "wechat_oa_appid": s.oa_appid,
            "wechat_oa_secret": s.oa_secret,
            "wechat_mp_appid": s.mp_appid,
            "wechat_mp_secret": s.mp_secret,
        }

    # -- the clock ----------------------------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    # -- set-up -------------------------------------------------------------------------------------

    def add_follower(self, oa_openid: str, *, unionid: str | None = None, following: bool = True) -> None:
        with self._lock:
            self.state.followers[oa_openid] = Follower(unionid, following)

    def add_mp_user(self, mp_openid: str, *, unionid: str | None = None) -> None:
        with self._lock:
            self.state.mp_users[mp_openid] = unionid

    def grant(self, mp_openid: str, template_id: str, n: int = 1) -> None:
        with self._lock:
            key = (mp_openid, template_id)
            self.state.grants[key] = self.state.grants.get(key, 0) + n

    def grants_left(self, mp_openid: str, template_id: str) -> int:
        with self._lock:
            return self.state.grants.get((mp_openid, template_id), 0)

    def add_template(self, template_id: str, *, app: str = "oa") -> None:
        with self._lock:
            self.state.templates[template_id] = app

    def add_login_code(self, code: str, openid: str, *, unionid: str | None = None) -> str:
        session_key = f"sk-{code}"
        with self._lock:
            login = {"openid": openid, "session_key": session_key}
            if unionid:
                login["unionid"] = unionid
            self.state.login_codes[code] = login
        return session_key

    def add_phone_code(self, code: str, phone: str) -> None:
        with self._lock:
            self.state.phone_codes[code] = phone

    def add_media(
        self, media_id: str, content: bytes, *, content_type: str = "image/jpeg", ttl: float = 3 * 86400
    ) -> None:
        with self._lock:
            self.state.media[media_id] = MediaItem(content, content_type, self.now() + ttl)

    def set_text_verdict(self, keyword: str, suggest: str, label: int = 20001) -> None:
        with self._lock:
            self.state.text_verdicts[keyword] = (suggest, label)

    def set_media_verdict(self, media_url: str, suggest: str, label: int = 20002) -> None:
        with self._lock:
            self.state.media_verdicts[media_url] = (suggest, label)

    def revoke_tokens(self, appid: str) -> None:
        with self._lock:
            self.state.revoke_tokens(appid)

    # -- faults -------------------------------------------------------------------------------------

    def inject(
        self,
        endpoint: str,
        *,
        errcode: int | None = None,
        status: int | None = None,
        delay: float = 0.0,
        times: int | None = 1,
        probability: float | None = None,
        after: bool = False,
        seed: int | None = None,
    ) -> Fault:
        fault = Fault(endpoint, errcode, status, delay, times, probability, after, random.Random(seed))
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # -- observations -------------------------------------------------------------------------------

    def calls(self, endpoint: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if endpoint is None or c.endpoint == endpoint]

    def delivered(self, channel: str | None = None) -> list[Delivered]:
        with self._lock:
            return [d for d in self.state.delivered if channel is None or d.channel == channel]

    def token_fetches(self, *, appid: str | None = None, force: bool | None = None) -> int:
        with self._lock:
            return sum(
                1
                for a, f, _ in self.state.token_fetches
                if (appid is None or a == appid) and (force is None or f == force)
            )

    def stats(self) -> dict[str, Any]:
        with self._lock:
            by_endpoint: dict[str, int] = {}
            for c in self._calls:
                by_endpoint[c.endpoint] = by_endpoint.get(c.endpoint, 0) + 1
            return {
                "calls": by_endpoint,
                "token_fetches": len(self.state.token_fetches),
                "forced_fetches": sum(1 for _, f, _ in self.state.token_fetches if f),
                "delivered": len(self.state.delivered),
                "distinct_tokens_used": len({c.access_token for c in self._calls if c.access_token}),
            }

    # -- HTTP ---------------------------------------------------------------------------------------

    async def _endpoint(self, request: Request) -> Response:
        endpoint = request.path_params["path"].strip("/")
        if endpoint == "_fake/stats":
            return JSONResponse(self.stats())
        query = dict(request.query_params)
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return JSONResponse({"errcode": 47001, "errmsg": "data format error"})
        if not isinstance(body, dict):
            body = {}
        with self._lock:
            call = Call(endpoint, request.method, query, body, self.now())
            self._calls.append(call)
            fault = next((f for f in self._faults if f.fires(endpoint)), None)
        failing = fault is not None and (fault.errcode is not None or fault.status is not None)
        if fault is not None and not fault.after:
            await asyncio.sleep(fault.delay)
            if failing:
                return self._fault_answer(call, fault)
        with self._lock:
            status, answer = self.state.handle(endpoint, query, body)
        if fault is not None and fault.after:
            # WeChat acted; its answer comes late, or is lost.
            await asyncio.sleep(fault.delay)
            if failing:
                return self._fault_answer(call, fault)
        call.status = status
        if isinstance(answer, tuple):
            content, content_type = answer
            return Response(content, media_type=content_type)
        call.errcode = int(answer.get("errcode") or 0)
        if call.errcode and endpoint == "cgi-bin/media/get":
            # WeChat answers media errors as JSON text: clients must not trust the content type.
            return Response(json.dumps(answer), media_type="text/plain")
        return JSONResponse(answer, status_code=status)

    def _fault_answer(self, call: Call, fault: Fault) -> Response:
        call.fault = True
        if fault.status is not None:
            call.status = fault.status
            return Response("fake upstream failure", status_code=fault.status, media_type="text/html")
        call.errcode = int(fault.errcode or 0)
        return JSONResponse({"errcode": fault.errcode, "errmsg": "injected fault"})


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the fake WeChat API server on loopback.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--open", action="store_true", help="any openid and template id; unlimited grants")
    args = parser.parse_args()
    fake = FakeWeChat().start(args.port)
    fake.state.open_directory = args.open
    print(json.dumps({"base_url": fake.base_url, **fake.settings_overrides()}), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
