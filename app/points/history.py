"""Reading a person's ledger: balance and entries, newest first, by keyset pages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.http.pagination import decode_cursor, encode_cursor
from app.points import ledger
from app.points.ledger import Holder
from app.points.models import PointsEntry, Redemption
from app.points.schemas import EntryOut, LedgerPage, RedemptionOut, RedemptionPage


async def ledger_page(session: AsyncSession, holder: Holder, *, limit: int, cursor: str | None) -> LedgerPage:
    before = decode_cursor(cursor)
    account = await ledger.find_account(session, holder)
    if account is None:
        return LedgerPage(balance=0, items=[])
    stmt = select(PointsEntry).where(PointsEntry.account_id == account.id)
    if before is not None:
        stmt = stmt.where(PointsEntry.id < before)
    rows = (await session.scalars(stmt.order_by(PointsEntry.id.desc()).limit(limit + 1))).all()
    items = [EntryOut.of(e) for e in rows[:limit]]
    return LedgerPage(
        balance=account.balance,
        items=items,
        next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None,
    )


async def redemption_page(
    session: AsyncSession, *, villager_id: int, limit: int, cursor: str | None
) -> RedemptionPage:
    before = decode_cursor(cursor)
    stmt = select(Redemption).where(Redemption.villager_id == villager_id)
    if before is not None:
        stmt = stmt.where(Redemption.id < before)
    rows = (await session.scalars(stmt.order_by(Redemption.id.desc()).limit(limit + 1))).all()
    items = [RedemptionOut.of(r) for r in rows[:limit]]
    return RedemptionPage(items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)
