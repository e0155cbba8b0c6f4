"""GET/POST /wechat/oa (Official Account) and /wechat/mp (mini program message push).

GET is WeChat's URL check: echostr back when the signature verifies, else 403. POST is a push, in
plaintext, compatible or safe mode: the body is capped before it is read whole, then only what
verifies is trusted (open_envelope), stored under its dedupe key and handled in one transaction, and
answered at once: a passive reply (encrypted when the push was), or "success". Slow work (photo
downloads) runs after the answer. A refused push stores nothing.
"""

from __future__ import annotations

import logging
import secrets

from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.responses import PlainTextResponse

from app.http.deps import NowDep, SessionDep
from wechat_callbacks import mp_handlers as _mp_handlers  # noqa: F401  (registers its handlers)
from wechat_callbacks import oa_handlers as _oa_handlers  # noqa: F401  (registers its handlers)
from wechat_callbacks.dispatch import OUTCOMES, handle
from wechat_callbacks.endpoints import Endpoint, build_endpoints
from wechat_callbacks.message import Message
from wechat_callbacks.parsing import CallbackQuery
from wechat_callbacks.protocol import (
    MAX_BODY_BYTES,
    SUCCESS,
    BodyTooLarge,
    MalformedMessage,
    ProtocolError,
    dedupe_key,
    text_reply,
)
from wechat_callbacks.registry import Services
from wechat_callbacks.signature import verify_plain_signature
from wechat_callbacks.wechat import services_of

router = APIRouter(prefix="/wechat", tags=["wechat callbacks"], include_in_schema=False)
log = logging.getLogger("suishoupai.wechat.callbacks")
OPENID_CHARS = 64


def _endpoint(request: Request, app: str) -> Endpoint | None:
    state = request.app.state
    endpoints: dict[str, Endpoint] | None = getattr(state, "wechat_endpoints", None)
    if endpoints is None:
        endpoints = build_endpoints(state.settings)  # a bad EncodingAESKey fails here, loudly
        state.wechat_endpoints = endpoints
    return endpoints.get(app)


def _services(request: Request) -> Services:
    return services_of(request.app)


async def _read_capped(request: Request) -> bytes:
    """The body, refused as soon as it passes the cap (a lying or missing Content-Length included)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"body exceeds {MAX_BODY_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge(f"body exceeds {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse(app: str, exc: ProtocolError) -> Response:
    OUTCOMES.labels(app, f"refused_{exc.code}").inc()
    log.warning("wechat push refused", extra={"app": app, "reason": exc.code})
    return PlainTextResponse(exc.code, status_code=exc.http_status)


def _verify(request: Request, app: str) -> Response:
    endpoint = _endpoint(request, app)
    if endpoint is None:
        return PlainTextResponse("not configured", status_code=404)
    q = request.query_params
    signature, timestamp, nonce = q.get("signature"), q.get("timestamp"), q.get("nonce")
    if not (signature and timestamp and nonce) or not verify_plain_signature(
        endpoint.config.token, timestamp, nonce, signature
    ):
        return PlainTextResponse("bad_signature", status_code=403)
    echostr = q.get("echostr")
    if echostr is None:
        return PlainTextResponse("no echostr", status_code=400)
    return PlainTextResponse(echostr)


def _answer(
    endpoint: Endpoint, query: CallbackQuery, message: Message, reply: str | None, now: int
) -> Response:
    if not reply or endpoint.app != "oa":
        return PlainTextResponse(SUCCESS)
    xml = text_reply(message.from_user, message.to_user, reply, now)
    if query.encrypt_type == "aes" and endpoint.crypto is not None:
        xml = endpoint.crypto.encrypt(xml, nonce=str(secrets.randbelow(10**10)), timestamp=now)
    return Response(xml, media_type="application/xml")


async def _push(
    request: Request, app: str, session: SessionDep, background: BackgroundTasks, now: NowDep
) -> Response:
    endpoint = _endpoint(request, app)
    if endpoint is None:
        return PlainTextResponse("not configured", status_code=404)
    query = CallbackQuery.from_mapping(request.query_params)
    unix_now = int(now.timestamp())
    try:
        body = await _read_capped(request)
        message = Message(endpoint.open(query, body, now=unix_now))
        key = dedupe_key(message.fields)
        if not message.from_user or len(message.from_user) > OPENID_CHARS:
            raise MalformedMessage("FromUserName missing or too long")
    except ProtocolError as exc:
        return _refuse(app, exc)
    handled = await handle(session, app=app, message=message, key=key, now=now, services=_services(request))
    for work in handled.later:
        background.add_task(work)
    return _answer(endpoint, query, message, handled.reply, unix_now)


@router.get("/oa")
async def verify_official_account(request: Request) -> Response:
    return _verify(request, "oa")


@router.post("/oa")
async def official_account_push(
    request: Request, session: SessionDep, background: BackgroundTasks, now: NowDep
) -> Response:
    return await _push(request, "oa", session, background, now)


@router.get("/mp")
async def verify_mini_program(request: Request) -> Response:
    return _verify(request, "mp")


@router.post("/mp")
async def mini_program_push(
    request: Request, session: SessionDep, background: BackgroundTasks, now: NowDep
) -> Response:
    return await _push(request, "mp", session, background, now)
