"""Filing a report (idempotent under retries) and following one's own reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.categories.models import Category
from app.core.errors import DomainError, InvalidInput, NotFound
from app.http.deps import NowDep, ReferenceDep, SessionDep, SettingsDep
from app.http.pagination import decode_cursor, encode_cursor
from app.idempotency import service as idempotency
from app.idempotency.models import IdempotencyRecord
from app.reports.models import Report
from app.villagers.visibility import visible_to
from miniprogram_api import submission, views, wechat
from miniprogram_api.deps import AccessClaimsDep, CurrentVillager, MpSettingsDep, confirm
from miniprogram_api.filing import RequestKey, Terms
from miniprogram_api.schemas import ReportCreated, ReportIn, ReportPage, ReportView

router = APIRouter(prefix="/reports", tags=["mini program: reports"])
OPERATION = "report.submit"
IdempotencyKey = Annotated[
    str, Header(alias="Idempotency-Key", min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
]


def _replay(record: IdempotencyRecord) -> JSONResponse:
    assert record.status_code is not None and record.response is not None
    return JSONResponse(record.response, record.status_code, headers={"Idempotent-Replayed": "true"})


@router.post("", response_model=ReportCreated, status_code=status.HTTP_201_CREATED)
async def create_report(
    body: ReportIn,
    idempotency_key: IdempotencyKey,
    request: Request,
    claims: AccessClaimsDep,
    session: SessionDep,
    settings: SettingsDep,
    mp: MpSettingsDep,
    now: NowDep,
    reference: ReferenceDep,
) -> JSONResponse:
    key = RequestKey(
        villager_id=claims.villager_id,
        operation=OPERATION,
        key=idempotency_key,
        digest=idempotency.request_hash(body.model_dump(mode="json")),
    )
    # Nothing may stay open across the WeChat call, so the content check comes first, with the openid
    # the token carries; the database then confirms the sign-in, inside the one transaction that does
    # the rest. (A token from before the openid was in it: confirm first, end that read, then check.)
    openid = claims.openid
    if openid is None:
        me = await confirm(request, session, claims)
        openid = me.villager.mp_openid or ""
        await session.commit()  # commit, not rollback: a rollback would expire the loaded villager
    suggest = await wechat.check_text(request, openid=openid, content=body.description)
    me = await confirm(request, session, claims)
    # The key is stored last, with the answer (in the statement that writes the report); nearly every
    # request is a first attempt, which then reads nothing for it. A retry whose first attempt finished
    # either fails on the way (a daily limit just reached, say) or finds the key taken at the end:
    # either way it rolls back and replays that answer.
    try:
        if suggest == "risky":
            raise InvalidInput("反映内容含有不当信息，未能提交，请修改后重试", field="description")
        form = await submission.prepare(
            session,
            villager=me.villager,
            body=body,
            held_for_review=suggest == "review",
            now=now,
            reference=reference,
        )
        terms = Terms(key, me.actor, now, settings.tz, mp.daily_report_limit)
        filed = await submission.file(session, form, terms)
    except DomainError:
        await session.rollback()
        if (done := await _finished(session, key)) is not None:
            return _replay(done)
        raise
    if not filed.stored:
        await session.rollback()  # this attempt's report, timeline and notification are undone
        done = await _finished(session, key)
        assert done is not None
        return _replay(done)
    await session.commit()
    payload = ReportCreated(id=filed.report_id, **form.answer()).model_dump(mode="json")
    return JSONResponse(payload, status.HTTP_201_CREATED)


async def _finished(session: AsyncSession, key: RequestKey) -> IdempotencyRecord | None:
    return await idempotency.find(session, **key.fields())


@router.get("", response_model=ReportPage)
async def list_my_reports(
    me: CurrentVillager,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> ReportPage:
    stmt = (
        select(Report, Category.name)
        .join(Category, Category.id == Report.category_id)
        .where(Report.reporter_villager_id == me.id)
    )
    if (before := decode_cursor(cursor)) is not None:
        stmt = stmt.where(Report.id < before)
    rows = (await session.execute(stmt.order_by(Report.id.desc()).limit(limit + 1))).all()
    items = await views.summaries(session, rows[:limit])
    return ReportPage(items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)


async def visible_report(session: SessionDep, report_id: int, villager_id: int) -> Report:
    report = await session.scalar(select(Report).where(Report.id == report_id, visible_to(villager_id)))
    if report is None:
        # Someone else's private report and a missing one look the same.
        raise NotFound("工单不存在", field="report_id")
    return report


@router.get("/{report_id}", response_model=ReportView)
async def get_report(
    report_id: int,
    me: CurrentVillager,
    session: SessionDep,
    settings: SettingsDep,
    mp: MpSettingsDep,
    now: NowDep,
) -> ReportView:
    report = await visible_report(session, report_id, me.id)
    return await views.detail(session, report, viewer_id=me.id, settings=settings, mp=mp, now=now)
