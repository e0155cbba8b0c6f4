"""A further text is added without the follower's lock: what happens to the conversation or its report
in a transaction it has to wait for decides, not what the statement saw when it began."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.core.database import Database
from app.inbound import conversation, replies
from app.inbound import service as inbound_service
from app.inbound.models import ChatSession, InboundMessage
from app.reports.models import Report
from tests import factories
from tests.factories import NOW
from tests.wechat_callbacks.conftest import follower

WINDOW = timedelta(minutes=10)


async def _open_conversation(db: Database) -> tuple[str, int, int]:
    async with db.sessionmaker() as session:
        c = await factories.county(session)
        villager = await follower(session, village=c.village)
        report = await factories.report(
            session, village=c.village, reporter=villager, description="桥栏杆断了"
        )
        chat = ChatSession(
            villager_id=villager.id, report_id=report.id, texts=[], started_at=NOW, last_message_at=NOW
        )
        session.add(chat)
        await session.commit()
        assert villager.oa_openid is not None
        return villager.oa_openid, chat.id, report.id


async def _add(db: Database, openid: str, text: str) -> int | None:
    now = NOW + timedelta(minutes=1)
    fields = {"FromUserName": openid, "MsgType": "text", "Content": text, "MsgId": str(abs(hash(text)))}
    message = inbound_service.handled_row("oa", fields, f"msg:{fields['MsgId']}", now)
    async with db.sessionmaker() as session:
        added = await conversation.add_to_open_report(
            session,
            openid=openid,
            window=WINDOW,
            now=now,
            text=text,
            message=message,
            reply=replies.TEXT_ADDED,
        )
        await session.commit()
        if added is None:
            assert await session.scalar(select(func.count(InboundMessage.id))) == 0  # nothing stored
            return None
        assert added.stored
        stored = await session.scalar(select(InboundMessage).where(InboundMessage.msg_id == fields["MsgId"]))
        assert stored is not None and (stored.report_id, stored.status) == (added.report_id, "handled")
        assert stored.reply == replies.TEXT_ADDED.format(report_id=added.report_id)
        return added.report_id


@pytest.mark.parametrize("meanwhile", ["conversation closed", "report accepted"])
async def test_a_text_waiting_on_a_closed_conversation_or_an_accepted_report_is_not_added(
    fresh_db, meanwhile
):
    db = Database(fresh_db.url, pool_size=3)
    try:
        openid, chat_id, report_id = await _open_conversation(db)
        async with db.sessionmaker() as other:
            if meanwhile == "conversation closed":  # 新反映, say
                await other.execute(
                    update(ChatSession).where(ChatSession.id == chat_id).values(state="closed")
                )
            else:
                await other.execute(update(Report).where(Report.id == report_id).values(status="accepted"))
            adding = asyncio.create_task(_add(db, openid, "就在学校旁边"))
            await asyncio.sleep(0.3)
            assert not adding.done()  # it waits for the row the other transaction holds
            await other.commit()
        assert await adding is None  # the locked path decides what the text does
        async with db.sessionmaker() as session:
            report = await session.get(Report, report_id)
            assert report is not None and report.description == "桥栏杆断了"
    finally:
        await db.dispose()


async def test_two_texts_at_once_are_both_added_in_turn(fresh_db):
    db = Database(fresh_db.url, pool_size=3)
    try:
        openid, _, report_id = await _open_conversation(db)
        added = await asyncio.gather(_add(db, openid, "第一句"), _add(db, openid, "第二句"))
        assert added == [report_id, report_id]
        async with db.sessionmaker() as session:
            report = await session.get(Report, report_id)
            assert report is not None
            assert report.description in ("桥栏杆断了\n第一句\n第二句", "桥栏杆断了\n第二句\n第一句")
            assert report.version == 3
    finally:
        await db.dispose()
