"""Reminder letters through the console: draft → issued → acknowledged with the outbox row and audit
entries; the wrong state is a 409 with the reason; bad input a 422; units see a letter once issued;
concurrent issues get distinct document numbers; counts per period."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from app.analysis import letter_numbers, letters
from app.analysis.models import LetterUnit, ReminderLetter
from app.audit.models import AuditEntry
from app.audit.service import Actor
from app.core.database import Database
from app.notifications.models import Notification
from tests import factories
from tests.analysis.county import TZ, GenCounty

L = "/api/v1/letters"


async def _headers(client, *accounts):
    return [await factories.staff_token(client, a) for a in accounts]


async def test_a_letter_goes_draft_issued_acknowledged_with_outbox_and_audit(
    session, client, county: GenCounty
):
    village = county.villages[0]
    sup, secretary = county.sup_town[village.parent_id], county.secretary[village.id]
    h_sup, h_sec = await _headers(client, sup, secretary)

    res = await client.post(
        L,
        headers=h_sup,
        json={
            "unit_kind": "village",
            "unit_id": village.id,
            "period": "2026-11",
            "reasons": ["群众反映办理不及时"],
        },
    )
    assert res.status_code == 201, res.text
    letter = res.json()
    assert letter["status"] == "draft" and letter["doc_no"] is None
    assert letter["title"] == f"关于{village.name}2026年11月“随手拍，随手报”工作情况的提醒函"
    assert "一、群众反映办理不及时" in letter["body"]
    lid = letter["id"]
    # The unit does not see a draft.
    assert (await client.get(f"{L}/{lid}", headers=h_sec)).status_code == 404

    res = await client.patch(
        f"{L}/{lid}", headers=h_sup, json={"body": "经分析，你村按时办结率偏低。\n请限期整改。"}
    )
    assert res.status_code == 200 and res.json()["body"].startswith("经分析")

    res = await client.post(f"{L}/{lid}/issue", headers=h_sup)
    assert res.status_code == 200, res.text
    issued = res.json()
    year = datetime.fromisoformat(issued["issued_at"]).astimezone(TZ).year
    seq = await letter_numbers.current_counter(session, year)
    assert issued["status"] == "issued" and issued["doc_no"] == f"〔{year}〕第{seq}号"
    assert issued["issued_by_id"] == sup.id

    outbox = (await session.scalars(select(Notification).where(Notification.kind == "reminder_letter"))).all()
    assert [(n.staff_id, n.dedupe_key) for n in outbox] == [
        (secretary.id, f"reminder_letter:{lid}:s{secretary.id}")
    ]
    assert outbox[0].payload["unit"] == village.name and issued["doc_no"] in outbox[0].payload["note"]

    # Wrong states: 409 with the reason in Chinese.
    again = await client.post(f"{L}/{lid}/issue", headers=h_sup)
    assert again.status_code == 409 and "已印发" in again.json()["detail"]["message"]
    assert (await client.post(f"{L}/{lid}/withdraw", headers=h_sup, json={"reason": "x"})).status_code == 409
    assert (await client.patch(f"{L}/{lid}", headers=h_sup, json={"title": "改"})).status_code == 409

    # The unit now sees it, and answers it.
    assert (await client.get(f"{L}/{lid}", headers=h_sec)).status_code == 200
    res = await client.post(
        f"{L}/{lid}/acknowledge", headers=h_sec, json={"response": "已召开专题会议，逐件整改。"}
    )
    assert res.status_code == 200, res.text
    done = res.json()
    assert done["status"] == "acknowledged" and done["status_label"] == "已签收"
    assert done["acknowledged_by_id"] == secretary.id and done["response"] == "已召开专题会议，逐件整改。"
    assert (
        await client.post(f"{L}/{lid}/acknowledge", headers=h_sec, json={"response": "再次"})
    ).status_code == 409

    trail = (
        await session.execute(
            select(AuditEntry.action, AuditEntry.actor_staff_id)
            .where(AuditEntry.target_type == "reminder_letter", AuditEntry.target_id == str(lid))
            .order_by(AuditEntry.id)
        )
    ).all()
    assert trail == [
        ("letter.draft", sup.id),
        ("letter.edit", sup.id),
        ("letter.issue", sup.id),
        ("letter.acknowledge", secretary.id),
    ]


async def test_bad_input_is_422_naming_the_field_and_a_second_letter_is_409(client, county: GenCounty):
    (h,) = await _headers(client, county.sup_county)
    village = county.villages[1]
    body = {"unit_kind": "village", "unit_id": village.id, "period": "2026-11", "reasons": ["x"]}
    for bad, field in (
        ({**body, "reasons": []}, "reasons"),
        ({**body, "period": "2026-13"}, "period"),
        ({**body, "unit_id": county.towns[0].id}, "unit_id"),
        ({**body, "unit_kind": "town"}, "unit_kind"),
    ):
        res = await client.post(L, headers=h, json=bad)
        assert res.status_code == 422, (bad, res.text)
        assert field in res.text
    assert (await client.post(L, headers=h, json=body)).status_code == 201
    duplicate = await client.post(L, headers=h, json=body)
    assert duplicate.status_code == 409 and "已有提醒函" in duplicate.json()["detail"]["message"]
    letter_id = (await client.get(L, headers=h)).json()[0]["id"]
    empty = await client.patch(f"{L}/{letter_id}", headers=h, json={})
    assert empty.status_code == 422


async def test_a_withdrawn_draft_is_never_issued_and_counts_per_period_add_up(
    session, client, county: GenCounty
):
    (h,) = await _headers(client, county.sup_county)
    ids = []
    for village in county.villages[:3]:
        res = await client.post(
            L,
            headers=h,
            json={"unit_kind": "village", "unit_id": village.id, "period": "2026-11", "reasons": ["x"]},
        )
        ids.append(res.json()["id"])
    dept = county.departments[0]
    res = await client.post(
        L,
        headers=h,
        json={"unit_kind": "department", "unit_id": dept.id, "period": "2026-10", "reasons": ["y"]},
    )
    ids.append(res.json()["id"])
    withdrawn = await client.post(f"{L}/{ids[0]}/withdraw", headers=h, json={"reason": "数据有误"})
    assert withdrawn.json()["status"] == "withdrawn" and withdrawn.json()["withdraw_reason"] == "数据有误"
    assert (await client.post(f"{L}/{ids[0]}/issue", headers=h)).status_code == 409
    for lid in ids[1:]:
        assert (await client.post(f"{L}/{lid}/issue", headers=h)).status_code == 200
    (h_dept,) = await _headers(client, county.dept_staff[dept.id])
    ack = await client.post(f"{L}/{ids[3]}/acknowledge", headers=h_dept, json={"response": "收到"})
    assert ack.status_code == 200
    # Another department's staff cannot answer it (they cannot even see it).
    (h_other,) = await _headers(client, county.dept_staff[county.departments[1].id])
    assert (
        await client.post(f"{L}/{ids[3]}/acknowledge", headers=h_other, json={"response": "x"})
    ).status_code == 404

    counts = (await client.get(f"{L}/counts", headers=h, params={"period_kind": "month"})).json()
    assert counts == [
        {
            "period": "2026-11",
            "period_label": "2026年11月",
            "drafted": 3,
            "issued": 2,
            "acknowledged": 0,
            "withdrawn": 1,
        },
        {
            "period": "2026-10",
            "period_label": "2026年10月",
            "drafted": 1,
            "issued": 1,
            "acknowledged": 1,
            "withdrawn": 0,
        },
    ]
    # A town supervisor counts their town's letters only (all of these are the other town's).
    town = county.towns[1]
    (h_town,) = await _headers(client, county.sup_town[town.id])
    assert (await client.get(f"{L}/counts", headers=h_town)).json() == []


async def test_concurrent_issues_get_distinct_document_numbers(fresh_db):
    database = Database(fresh_db.url)
    now = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    try:
        async with database.sessionmaker() as session:
            c = await factories.county(session)
            villages = [c.village, c.other_village] + [
                await factories.area(session, level="village", parent=c.town) for _ in range(6)
            ]
            letter_ids = []
            for v in villages:
                unit = await letters.resolve_unit(session, kind=LetterUnit.village, unit_id=v.id)
                letter = await letters.draft_letter(
                    session,
                    unit=unit,
                    period_kind="monthly",
                    period_key="2026-11",
                    reasons=[{"code": "manual", "text": "x"}],
                    title="t",
                    body="b",
                    actor=Actor.system(),
                    now=now,
                )
                assert letter is not None
                letter_ids.append(letter.id)
            await session.commit()

        async def issue_one(letter_id: int) -> None:
            async with database.sessionmaker() as s:
                row = await s.get(ReminderLetter, letter_id, with_for_update=True)
                assert row is not None
                await letters.issue(s, letter=row, actor=Actor.system(), now=now, tz=TZ)
                await asyncio.sleep(0.01)  # hold the counter row a moment: the others queue on it
                await s.commit()

        await asyncio.gather(*(issue_one(i) for i in letter_ids))
        async with database.sessionmaker() as session:
            numbers = (await session.scalars(select(ReminderLetter.doc_no))).all()
            seqs = sorted((await session.scalars(select(ReminderLetter.doc_seq))).all())
        assert len(set(numbers)) == len(letter_ids)
        assert seqs == list(range(1, len(letter_ids) + 1))
        assert set(numbers) == {f"〔2026〕第{i}号" for i in seqs}
    finally:
        await database.dispose()
