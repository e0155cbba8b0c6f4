"""The reconciliation finds drift made by hand; the ledger itself refuses edits and deletions."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.audit.service import Actor
from app.points import ledger, reconciliation, redemptions
from tests.factories import NOW
from tests.points.conftest import accepted_report, entries_of, grant, resolved_report, reward


async def _kinds(session) -> dict[str, int]:
    return reconciliation.counts(await reconciliation.run(session))


async def _world(session, bank):
    await accepted_report(session, bank, grade=2)
    report = await resolved_report(session, bank)
    await grant(session, bank.villager.id, 50)
    item = await reward(session, area_id=bank.c.village.id, price=5)
    placed = await redemptions.redeem(session, villager=bank.villager, reward_id=item.id, now=NOW)
    cancelled = await redemptions.redeem(session, villager=bank.villager, reward_id=item.id, now=NOW)
    await redemptions.cancel(
        session, redemption_id=cancelled.id, villager_id=bank.villager.id, actor=Actor.system(), now=NOW
    )
    return report, placed


async def test_a_consistent_ledger_has_no_findings(session, bank):
    await _world(session, bank)
    assert await reconciliation.run(session) == []


async def test_a_balance_edited_by_sql_is_found(session, bank):
    await _world(session, bank)
    await session.execute(
        text("UPDATE points_accounts SET balance = balance + 7 WHERE villager_id = :v"),
        {"v": bank.villager.id},
    )
    [finding] = await reconciliation.run(session)
    assert finding.kind == "balance" and finding.target_type == "points_account"


async def test_an_award_without_its_event_is_found(session, bank):
    report, _ = await _world(session, bank)
    [award, *_] = await entries_of(session, report.id)
    account_id = award.account_id
    await session.execute(
        text(
            "INSERT INTO points_entries (account_id, amount, reason, label, award_key, report_id, "
            "occurred_at) "
            "VALUES (:a, 4, 'reporter_accepted', '手工', 'forged:1', :r, now())"
        ),
        {"a": account_id, "r": report.id},
    )
    await session.execute(
        text("UPDATE points_accounts SET balance = balance + 4 WHERE id = :a"), {"a": account_id}
    )
    kinds = await _kinds(session)
    assert kinds == {"balance": 0, "award_without_event": 1, "reversal": 0, "redemption": 0}


async def test_a_reversal_made_twice_or_of_nothing_is_found(session, bank):
    report, _ = await _world(session, bank)
    [award, *_] = await entries_of(session, report.id)
    await ledger.reverse(session, entry=award, label="冲正", now=NOW)
    await session.execute(
        text(
            "INSERT INTO points_entries (account_id, amount, reason, label, award_key, reverses_id, "
            "occurred_at) "
            "VALUES (:a, :m, 'reversal', '再冲', 'forged:2', :e, now()), "
            "(:a, 3, 'reversal', '无主', 'forged:3', NULL, now())"
        ),
        {"a": award.account_id, "m": -award.amount, "e": award.id},
    )
    await session.execute(
        text("UPDATE points_accounts SET balance = balance - :m + 3 WHERE id = :a"),
        {"a": award.account_id, "m": award.amount},
    )
    findings = [f for f in await reconciliation.run(session) if f.kind == "reversal"]
    assert {f.target_id for f in findings} >= {award.id}
    assert len(findings) == 2 and await _kinds(session) == {
        "balance": 0,
        "award_without_event": 0,
        "reversal": 2,
        "redemption": 0,
    }


async def test_a_redemption_without_its_debit_is_found(session, bank):
    _, placed = await _world(session, bank)
    await session.execute(
        text(
            "INSERT INTO redemptions (villager_id, reward_id, village_id, reward_name, points, value_fen, "
            "status, pickup_code, placed_at) SELECT villager_id, reward_id, village_id, reward_name, points, "
            "value_fen, 'fulfilled', '000000', placed_at FROM redemptions WHERE id = :id"
        ),
        {"id": placed.id},
    )
    [finding] = await reconciliation.run(session)
    assert (finding.kind, finding.target_type) == ("redemption", "redemption") and "缺少" in finding.detail


@pytest.mark.parametrize(
    "statement", ["UPDATE points_entries SET amount = 999", "DELETE FROM points_entries"]
)
async def test_the_ledger_refuses_updates_and_deletions(session, bank, statement):
    await _world(session, bank)
    before = (await session.execute(text("SELECT count(*), sum(amount) FROM points_entries"))).one()
    savepoint = await session.begin_nested()
    with pytest.raises(DBAPIError) as caught:
        await session.execute(text(statement))
    await savepoint.rollback()
    assert "append-only" in str(caught.value)
    assert (await session.execute(text("SELECT count(*), sum(amount) FROM points_entries"))).one() == before
