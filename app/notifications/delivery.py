"""Sending one planned notification through the WeChat client, and turning what happened into an outcome.

Subscribe messages that WeChat refuses with 43101 (no grant left, or the villager switched them off) spend
nothing and fall back to the next route. Transient and token errors are retried later; permanent ones end
the row as dead with WeChat's reason.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.notifications.config import NotifyConfig
from app.notifications.kinds import Channel, Status
from app.notifications.routing import Plan, Route
from app.notifications.templates import render_data, render_page
from app.wechat.client import MiniProgramJump, WeChatClient
from app.wechat.errors import NoSubscribeGrant, NotConfigured, WeChatError
from app.wechat.transport import WeChatApp

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Status | None  # None: retry later (transient); the dispatcher decides when, or gives up
    channel: Channel | None = None
    template_id: str | None = None
    msgid: str | None = None
    errcode: int | None = None
    reason: str | None = None
    # WeChat may have acted although we saw no answer (a read timeout, a 5xx).
    ambiguous: bool = False


@dataclass(frozen=True, slots=True)
class Message:
    recipient_kind: str
    payload: Mapping[str, Any]
    client_msg_id: str
    written_at: datetime


class Sender:
    def __init__(self, client: WeChatClient, *, config: NotifyConfig, tz: ZoneInfo) -> None:
        self._client = client
        self._config = config
        self._tz = tz
        self._mp_appid = client.appid(WeChatApp.mini_program)

    async def deliver(self, plan: Plan, message: Message) -> Outcome:
        if not plan.routes:
            return Outcome(plan.status or Status.undeliverable, reason=plan.reason)
        refused: WeChatError | None = None
        for route in plan.routes:
            try:
                msgid = await self._send(route, message)
            except NoSubscribeGrant as exc:
                refused = exc  # nothing spent; try the Official Account
                continue
            except NotConfigured as exc:
                return Outcome(Status.not_sent, route.channel, route.template.template_id, reason=exc.errmsg)
            except WeChatError as exc:
                status = None if exc.retryable else Status.dead
                return Outcome(
                    status,
                    route.channel,
                    route.template.template_id,
                    None,
                    exc.errcode,
                    exc.reason,
                    exc.ambiguous,
                )
            except Exception as exc:  # a bug must not sink the batch: retry later, say what happened
                log.exception("notification send failed unexpectedly", extra={"channel": route.channel.value})
                return Outcome(
                    None, route.channel, route.template.template_id, reason=f"internal: {type(exc).__name__}"
                )
            return Outcome(Status.sent, route.channel, route.template.template_id, msgid or None)
        assert refused is not None
        return Outcome(
            Status.undeliverable, Channel.mp_subscribe, None, None, refused.errcode, refused.reason
        )

    async def _send(self, route: Route, message: Message) -> str:
        data = render_data(route.template, message.payload, tz=self._tz, written_at=message.written_at)
        if route.channel is Channel.mp_subscribe:
            page = render_page(route.template.page or self._config.villager_page, message.payload)
            return await self._client.send_subscribe(
                touser=route.openid,
                template_id=route.template.template_id,
                data=data,
                page=page,
                miniprogram_state=self._config.miniprogram_state,
                lang=self._config.lang,
            )
        default_page = (
            self._config.staff_page if message.recipient_kind == "staff" else self._config.villager_page
        )
        page = render_page(route.template.page or default_page, message.payload)
        jump = MiniProgramJump(self._mp_appid, page) if self._mp_appid and page else None
        return await self._client.send_template(
            touser=route.openid,
            template_id=route.template.template_id,
            data=data,
            client_msg_id=message.client_msg_id,
            miniprogram=jump,
        )
