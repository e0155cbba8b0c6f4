"""Staff corrections: a signed manual entry with its reason, or the reversal of one entry. Both audited;
neither edits anything already written."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.audit.service import Actor
from app.core.errors import Conflict
from app.points import ledger, notices
from app.points.errors import InsufficientPoints
from app.points.ledger import Holder, Posting
from app.points.models import PointsEntry, Reason


async def adjust(
    session: AsyncSession, *, holder: Holder, amount: int, reason: str, actor: Actor, now: datetime
) -> PointsEntry:
    """Add or remove points by hand; a removal may not take the balance below zero."""
    account = await ledger.lock_account(session, holder, now=now)
    if account.balance + amount < 0:
        raise InsufficientPoints(
            f"余额不足：当前 {account.balance} 积分，不能扣减 {-amount} 积分", field="amount"
        )
    entry = await ledger.post(
        session,
        account,
        Posting(
            amount=amount,
            reason=Reason.adjustment,
            label=("人工加分：" if amount > 0 else "人工扣分：") + reason,
            award_key=f"adjust:{uuid.uuid4().hex}",
            actor_staff_id=actor.id,
            note=reason,
        ),
        now=now,
    )
    assert entry is not None  # a fresh key always inserts
    audit.record(
        session,
        actor=actor,
        action="points.adjust",
        target_type="points_entry",
        target_id=entry.id,
        at=now,
        details={"account_id": account.id, "amount": amount, "reason": reason, "balance": account.balance},
    )
    await notices.points_earned(session, account=account, entry=entry, now=now)
    return entry


async def reverse_by_staff(
    session: AsyncSession, *, entry: PointsEntry, reason: str, actor: Actor, now: datetime
) -> PointsEntry:
    if entry.reason == Reason.redemption.value:
        raise Conflict("兑换扣分请通过取消兑换退回", field="entry_id")
    reversal = await ledger.reverse(
        session, entry=entry, label=f"冲正：{reason}", now=now, actor_staff_id=actor.id, note=reason
    )
    if reversal is None:
        raise Conflict("该积分记录已冲正", field="entry_id")
    audit.record(
        session,
        actor=actor,
        action="points.reverse",
        target_type="points_entry",
        target_id=entry.id,
        at=now,
        details={"reversal_id": reversal.id, "amount": reversal.amount, "reason": reason},
    )
    return reversal
