"""Which way a notification travels. Pure: the dispatcher loads the facts and asks.

A villager gets a mini program subscribe message while they hold a grant for that template, else an
Official Account template message when the same person follows the Official Account (their row carries
the OA openid, linked by unionid), else nothing: the row is undeliverable and the report's timeline
still shows the update. Staff get Official Account template messages that open the report in the
mini program. Routes are tried in order: a subscribe send refused with 43101 falls back to the next.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from app.notifications.kinds import Channel, Status
from app.notifications.templates import TemplateSpec

NOT_CONFIGURED = "wechat_not_configured"


@dataclass(frozen=True, slots=True)
class Recipient:
    kind: Literal["villager", "staff"]
    id: int
    mp_openid: str | None = None
    oa_openid: str | None = None
    oa_following: bool = False


@dataclass(frozen=True, slots=True)
class Route:
    channel: Channel
    openid: str
    template: TemplateSpec


@dataclass(frozen=True, slots=True)
class Plan:
    routes: tuple[Route, ...]
    # When there is no route: how the row ends, and why.
    status: Status | None = None
    reason: str | None = None


def _reachable(recipient: Recipient) -> list[tuple[Channel, str]]:
    ways: list[tuple[Channel, str]] = []
    if recipient.kind == "villager" and recipient.mp_openid:
        ways.append((Channel.mp_subscribe, recipient.mp_openid))
    if recipient.oa_openid and (recipient.oa_following or recipient.kind == "staff"):
        ways.append((Channel.oa_template, recipient.oa_openid))
    return ways


def plan_routes(
    recipient: Recipient | None,
    *,
    templates: Mapping[Channel, TemplateSpec | None],
    grants_left: int,
    configured: Collection[Channel],
) -> Plan:
    if recipient is None:
        return Plan((), Status.undeliverable, "recipient not found or inactive")
    ways = _reachable(recipient)
    if not ways:
        why = "no mini program or Official Account identity"
        if recipient.kind == "staff":
            why = "staff account has not bound the Official Account"
        return Plan((), Status.undeliverable, why)
    ways = [(c, o) for c, o in ways if c in configured]
    if not ways:
        return Plan((), Status.not_sent, NOT_CONFIGURED)
    with_template = [(c, o, t) for c, o in ways if (t := templates.get(c)) is not None]
    if not with_template:
        return Plan((), Status.not_sent, "template_not_configured")
    routes = tuple(
        Route(c, o, t) for c, o, t in with_template if c is not Channel.mp_subscribe or grants_left > 0
    )
    if not routes:
        return Plan((), Status.undeliverable, "no subscribe grant and not following the Official Account")
    return Plan(routes)


def retry_delay(attempts: int, *, base_seconds: float, cap_seconds: float, rng: random.Random) -> timedelta:
    """Exponential backoff with jitter: half the ceiling fixed, half random, so retries spread out."""
    ceiling = min(cap_seconds, base_seconds * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=ceiling / 2 + rng.uniform(0, ceiling / 2))
