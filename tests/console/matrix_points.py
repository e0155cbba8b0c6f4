"""The moral bank's console endpoints in the authorization matrix (see matrix_base)."""

from __future__ import annotations

from typing import Any

from app.audit.service import Actor
from app.points import adjustments, redemptions
from app.points.ledger import Holder
from app.points.models import PoolSuggestion, Reward
from tests import factories
from tests.console.matrix_base import ADMIN, EVERYONE, Entry, World
from tests.factories import NOW

P = "/api/v1/points"
VIEWERS = {"admin", "sup_county", "sup_town", "secretary", "cadre"}  # of the home village
FAR_VIEWERS = {"sup_far", "secretary_far", "cadre_far"}
NOT_VIEWERS = EVERYONE - VIEWERS - FAR_VIEWERS
CORRECTORS = {"admin", "secretary"}
MANAGERS = {"admin", "sup_county", "sup_town", "secretary"}
PAYOUT = {"admin", "sup_county", "sup_town", "secretary", "sup_far", "secretary_far"}
POOL = {"admin", "sup_county", "sup_town", "secretary"}


async def extend_world(session: Any, county: Any, accounts: dict[str, Any], world: World) -> None:
    villager = await factories.villager(session, village=county.village)
    entry = await adjustments.adjust(
        session,
        holder=Holder(villager_id=villager.id),
        amount=100,
        reason="矩阵",
        actor=Actor.system(),
        now=NOW,
    )
    reward = Reward(
        area_id=county.village.id,
        name="毛巾",
        value_fen=500,
        points_price=10,
        stock=5,
        is_active=True,
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(reward)
    await session.flush()
    placed = await redemptions.redeem(session, villager=villager, reward_id=reward.id, now=NOW)
    suggestion = PoolSuggestion(
        quarter="2026-Q4",
        village_id=county.village.id,
        team="volunteer",
        change="leave",
        staff_id=accounts["handler"].id,
        points=0,
        rank=1,
        status="pending",
        created_at=NOW,
    )
    session.add(suggestion)
    await session.flush()
    world.ids.update(
        points_villager=villager.id, points_entry=entry.id, reward=reward.id, pool_suggestion=suggestion.id
    )
    world.codes["pickup"] = placed.pickup_code


ENTRIES: dict[tuple[str, str], Entry] = {
    ("GET", f"{P}/rules"): Entry(EVERYONE, set(), lambda w: ("GET", f"{P}/rules", {})),
    ("POST", f"{P}/rules"): Entry(
        ADMIN, EVERYONE - ADMIN, lambda w: ("POST", f"{P}/rules", {"json": {"params": {}, "note": "矩阵"}})
    ),
    ("GET", f"{P}/villagers/{{villager_id}}/ledger"): Entry(
        VIEWERS, NOT_VIEWERS, lambda w: ("GET", f"{P}/villagers/{w.ids['points_villager']}/ledger", {})
    ),
    ("GET", f"{P}/staff/{{staff_id}}/ledger"): Entry(
        VIEWERS, NOT_VIEWERS, lambda w: ("GET", f"{P}/staff/{w.ids['handler']}/ledger", {})
    ),
    ("POST", f"{P}/adjustments"): Entry(
        CORRECTORS,
        EVERYONE - CORRECTORS - {"secretary_far"},
        lambda w: (
            "POST",
            f"{P}/adjustments",
            {"json": {"villager_id": w.ids["points_villager"], "amount": 5, "reason": "矩阵"}},
        ),
    ),
    ("POST", f"{P}/entries/{{entry_id}}/reversal"): Entry(
        CORRECTORS,
        EVERYONE - CORRECTORS - {"secretary_far"},
        lambda w: ("POST", f"{P}/entries/{w.ids['points_entry']}/reversal", {"json": {"reason": "矩阵"}}),
    ),
    ("GET", f"{P}/reconciliation"): Entry(
        ADMIN, EVERYONE - ADMIN, lambda w: ("GET", f"{P}/reconciliation", {})
    ),
    ("GET", f"{P}/rewards"): Entry(VIEWERS | FAR_VIEWERS, NOT_VIEWERS, lambda w: ("GET", f"{P}/rewards", {})),
    ("POST", f"{P}/rewards"): Entry(
        MANAGERS,
        EVERYONE - MANAGERS - {"sup_far", "secretary_far"},
        lambda w: (
            "POST",
            f"{P}/rewards",
            {
                "json": {
                    "area_id": w.ids["village"],
                    "name": "大米",
                    "value_fen": 5000,
                    "points_price": 50,
                    "stock": 3,
                }
            },
        ),
    ),
    ("PATCH", f"{P}/rewards/{{reward_id}}"): Entry(
        MANAGERS,
        EVERYONE - MANAGERS - {"sup_far", "secretary_far"},
        lambda w: ("PATCH", f"{P}/rewards/{w.ids['reward']}", {"json": {"stock_delta": 2}}),
    ),
    ("GET", f"{P}/redemptions"): Entry(
        VIEWERS | FAR_VIEWERS, NOT_VIEWERS, lambda w: ("GET", f"{P}/redemptions", {})
    ),
    ("POST", f"{P}/redemptions/fulfil"): Entry(
        {"cadre", "secretary"},
        EVERYONE - {"cadre", "secretary", "cadre_far", "secretary_far"},
        lambda w: ("POST", f"{P}/redemptions/fulfil", {"json": {"pickup_code": w.codes["pickup"]}}),
    ),
    ("GET", f"{P}/payouts/{{quarter}}.xlsx"): Entry(
        PAYOUT, EVERYONE - PAYOUT, lambda w: ("GET", f"{P}/payouts/2026-Q4.xlsx", {})
    ),
    ("GET", f"{P}/handler-pool/{{quarter}}"): Entry(
        POOL,
        EVERYONE - POOL - {"sup_far", "secretary_far"},
        lambda w: ("GET", f"{P}/handler-pool/2026-Q4", {"params": {"village_id": w.ids["village"]}}),
    ),
    ("POST", f"{P}/handler-pool/suggestions/{{suggestion_id}}/confirm"): Entry(
        {"secretary"},
        EVERYONE - {"secretary", "secretary_far"},
        lambda w: ("POST", f"{P}/handler-pool/suggestions/{w.ids['pool_suggestion']}/confirm", {"json": {}}),
    ),
    ("POST", f"{P}/handler-pool/suggestions/{{suggestion_id}}/decline"): Entry(
        {"secretary"},
        EVERYONE - {"secretary", "secretary_far"},
        lambda w: ("POST", f"{P}/handler-pool/suggestions/{w.ids['pool_suggestion']}/decline", {"json": {}}),
    ),
}
