"""Handlers registered by message type and event, as wechatpy dispatches inbound messages.

A handler runs inside the request's transaction, after its message was stored; it returns the passive
reply's text (Official Account only) and may queue slow work for after the reply (`ctx.later`).
Anything without a handler is stored and answered "success".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.settings import Settings
from app.inbound import service as inbound_service
from app.inbound.chat import ChatRules
from app.reference.cache import ReferenceData
from wechat_callbacks.message import Message

Later = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class Services:
    """What handlers need from outside the database; the edge builds it, tests replace parts."""

    settings: Settings
    rules: ChatRules
    # cgi-bin/user/info's unionid for an OA openid (bounded in time; None when unknown or unreachable).
    lookup_unionid: Callable[[str], Awaitable[str | None]]
    # Downloads these photo fetch rows right after the reply, as of the request's time (the
    # media-fetch job retries whatever fails).
    fetch_photos: Callable[[list[int], datetime], Awaitable[object]]
    # Categories and areas for the reports chats make, kept a short while (app/reference/cache.py).
    reference: ReferenceData = field(default_factory=ReferenceData)


class Duplicate(Exception):
    """This message is stored already (another delivery of it got there first): undo, answer alike."""


@dataclass
class Context:
    session: AsyncSession
    app: str
    message: Message
    key: str
    now: datetime
    services: Services
    later: list[Later] = field(default_factory=list)
    claimed_id: int | None = None
    stored: bool = False  # the handler stored the message, handled, with its reply (handled_row)

    async def message_id(self) -> int:
        """The stored message's id, storing it now (for rows that reference it); raises Duplicate."""
        if self.claimed_id is None:
            claimed = await inbound_service.claim(
                self.session, app=self.app, fields=self.message.fields, key=self.key, now=self.now
            )
            if claimed is None:
                raise Duplicate
            self.claimed_id = claimed
        return self.claimed_id

    def handled_row(self) -> dict[str, Any]:
        """The parameters for storing this message as handled in the handler's own statement."""
        return inbound_service.handled_row(self.app, self.message.fields, self.key, self.now)

    def stored_handled(self, stored: bool) -> None:
        """The handler's statement stored the message; False: a delivery of it was stored already."""
        if not stored:
            raise Duplicate
        self.stored = True


@dataclass(frozen=True)
class Result:
    reply: str | None = None
    report_id: int | None = None


Handler = Callable[[Context], Awaitable[Result | None]]


class Registry:
    def __init__(self) -> None:
        self._handlers: dict[tuple[str, str, str], Handler] = {}

    def on(self, app: str, msg_type: str, event: str | None = None) -> Callable[[Handler], Handler]:
        key = (app, msg_type.lower(), (event or "").lower())

        def register(handler: Handler) -> Handler:
            if key in self._handlers:
                raise ValueError(f"a handler for {key} is registered already")
            self._handlers[key] = handler
            return handler

        return register

    def find(self, app: str, msg_type: str, event: str | None) -> Handler | None:
        # Event names vary in case across WeChat's documents (SCAN, subscribe, LOCATION, …).
        kind = msg_type.lower()
        return self._handlers.get((app, kind, (event or "").lower() if kind == "event" else ""))


REGISTRY = Registry()
