"""Redeeming, fulfilling by pickup code and cancelling: points and stock move together or not at all."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.audit.service import Actor
from app.core.errors import Conflict, InvalidInput, NotFound
from app.notifications.kinds import Kind
from app.notifications.models import Notification
from app.points import redemptions
from app.points.errors import InsufficientPoints, OutOfStock
from app.points.models import PointsEntry, Redemption, Reward
from tests import factories
from tests.factories import NOW
from tests.points.conftest import balance_of, grant, ledger_sum, reward, staff_actor


async def test_redeeming_debits_points_takes_stock_and_sends_the_pickup_code(session, bank):
    await grant(session, bank.villager.id, 30)
    item = await reward(session, area_id=bank.c.village.id, price=12, stock=3)
    placed = await redemptions.redeem(session, villager=bank.villager, reward_id=item.id, now=NOW)
    assert placed.status == "placed" and len(placed.pickup_code) == 6 and placed.pickup_code.isdigit()
    assert (placed.points, placed.value_fen, placed.village_id) == (12, 1250, bank.c.village.id)
    await session.refresh(item)
    assert item.stock == 2
    assert (
        await balance_of(session, villager_id=bank.villager.id)
        == 18
        == await ledger_sum(session, villager_id=bank.villager.id)
    )
    debit = await session.scalar(select(PointsEntry).where(PointsEntry.redemption_id == placed.id))
    assert debit is not None and (debit.reason, debit.amount) == ("redemption", -12)
    notice = await session.scalar(
        select(Notification).where(Notification.dedupe_key == f"redemption:{placed.id}:ready")
    )
    assert notice is not None and notice.kind == Kind.redemption_ready.value
    assert notice.payload["pickup_code"] == placed.pickup_code and notice.villager_id == bank.villager.id


async def test_the_towns_catalog_is_open_to_its_villages(session, bank):
    await grant(session, bank.villager.id, 30)
    town_item = await reward(session, area_id=bank.c.town.id, price=5)
    placed = await redemptions.redeem(session, villager=bank.villager, reward_id=town_item.id, now=NOW)
    assert placed.village_id == bank.c.village.id


async def test_a_balance_too_low_is_refused_and_nothing_moves(session, bank):
    await grant(session, bank.villager.id, 5)
    item = await reward(session, area_id=bank.c.village.id, price=6, stock=1)
    with pytest.raises(InsufficientPoints) as caught:
        await redemptions.redeem(session, villager=bank.villager, reward_id=item.id, now=NOW)
    assert "余额不足" in caught.value.message
    await session.refresh(item)
    assert item.stock == 1 and await balance_of(session, villager_id=bank.villager.id) == 5


async def test_an_empty_stock_is_refused(session, bank):
    await grant(session, bank.villager.id, 50)
    item = await reward(session, area_id=bank.c.village.id, price=6, stock=0)
    with pytest.raises(OutOfStock) as caught:
        await redemptions.redeem(session, villager=bank.villager, reward_id=item.id, now=NOW)
    assert "库存不足" in caught.value.message
    assert await balance_of(session, villager_id=bank.villager.id) == 50


async def test_another_villages_goods_and_inactive_goods_cannot_be_redeemed(session, bank):
    await grant(session, bank.villager.id, 50)
    far = await reward(session, area_id=bank.c.other_village.id)
    hidden = await reward(session, area_id=bank.c.village.id)
    hidden.is_active = False
    for item in (far, hidden):
        with pytest.raises(NotFound):
            await redemptions.redeem(session, villager=bank.villager, reward_id=item.id, now=NOW)
    homeless = await factories.villager(session)
    with pytest.raises(InvalidInput):
        await redemptions.redeem(session, villager=homeless, reward_id=hidden.id, now=NOW)


async def test_cancelling_returns_points_and_stock_by_a_reversing_entry(session, bank):
    await grant(session, bank.villager.id, 20)
    item = await reward(session, area_id=bank.c.village.id, price=8, stock=1)
    placed = await redemptions.redeem(session, villager=bank.villager, reward_id=item.id, now=NOW)
    me = Actor(kind="villager", id=bank.villager.id)
    await redemptions.cancel(
        session, redemption_id=placed.id, villager_id=bank.villager.id, actor=me, now=NOW
    )
    await session.refresh(item)
    assert item.stock == 1 and placed.status == "cancelled"
    assert await balance_of(session, villager_id=bank.villager.id) == 20
    debit, refund = (
        await session.scalars(
            select(PointsEntry).where(PointsEntry.redemption_id == placed.id).order_by(PointsEntry.id)
        )
    ).all()
    assert (refund.reason, refund.reverses_id, refund.amount) == ("reversal", debit.id, 8)
    with pytest.raises(Conflict):
        await redemptions.cancel(
            session, redemption_id=placed.id, villager_id=bank.villager.id, actor=me, now=NOW
        )


async def test_only_the_owner_may_cancel(session, bank):
    await grant(session, bank.villager.id, 20)
    item = await reward(session, area_id=bank.c.village.id, price=8)
    placed = await redemptions.redeem(session, villager=bank.villager, reward_id=item.id, now=NOW)
    other = await factories.villager(session, village=bank.c.village)
    with pytest.raises(NotFound):
        await redemptions.cancel(
            session,
            redemption_id=placed.id,
            villager_id=other.id,
            actor=Actor(kind="villager", id=other.id),
            now=NOW,
        )


async def test_the_village_cadre_fulfils_by_pickup_code_once(session, bank):
    await grant(session, bank.villager.id, 20)
    item = await reward(session, area_id=bank.c.village.id, price=8)
    placed = await redemptions.redeem(session, villager=bank.villager, reward_id=item.id, now=NOW)
    cadre = staff_actor(bank.cadre)
    with pytest.raises(NotFound):  # the code means nothing in another village
        await redemptions.fulfil(
            session, village_id=bank.c.other_village.id, pickup_code=placed.pickup_code, actor=cadre, now=NOW
        )
    done = await redemptions.fulfil(
        session, village_id=bank.c.village.id, pickup_code=placed.pickup_code, actor=cadre, now=NOW
    )
    assert (done.id, done.status, done.fulfilled_by_id) == (placed.id, "fulfilled", bank.cadre.id)
    await session.flush()
    audit = await session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "points.redemption.fulfil", AuditEntry.target_id == str(done.id)
        )
    )
    assert audit is not None and audit.actor_staff_id == bank.cadre.id
    with pytest.raises(NotFound):
        await redemptions.fulfil(
            session, village_id=bank.c.village.id, pickup_code=placed.pickup_code, actor=cadre, now=NOW
        )
    with pytest.raises(Conflict):
        await redemptions.cancel(
            session,
            redemption_id=placed.id,
            villager_id=bank.villager.id,
            actor=Actor(kind="villager", id=bank.villager.id),
            now=NOW,
        )


async def test_pickup_codes_are_unique_among_a_villages_open_orders(session, bank, monkeypatch):
    await grant(session, bank.villager.id, 100)
    item = await reward(session, area_id=bank.c.village.id, price=1, stock=10)
    codes = iter(["123456", "123456", "123456", "654321"])
    monkeypatch.setattr(redemptions, "new_pickup_code", lambda: next(codes))
    first = await redemptions.redeem(session, villager=bank.villager, reward_id=item.id, now=NOW)
    second = await redemptions.redeem(session, villager=bank.villager, reward_id=item.id, now=NOW)
    assert (first.pickup_code, second.pickup_code) == ("123456", "654321")
    count = (await session.scalars(select(Redemption.id).where(Redemption.reward_id == item.id))).all()
    assert len(count) == 2
    row = await session.get(Reward, item.id)
    assert row is not None
    await session.refresh(row)
    assert row.stock == 8
