"""The report submission checks the text with the openid its token carries, before any database work,
and only then confirms the sign-in: a token from before the openid was in it still works, and an ended
sign-in is refused with nothing stored."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.core.clock import utcnow
from app.core.security import issue_token, read_token
from app.reports.models import Report
from app.villagers import service as villagers_service
from app.villagers.service import VILLAGER_AUDIENCE
from tests import factories
from tests.miniprogram import helpers


def _claims(settings, headers):
    return read_token(
        headers["Authorization"].removeprefix("Bearer "),
        audience=VILLAGER_AUDIENCE,
        secret=settings.secret_key,
    )


async def test_the_token_carries_the_openid_and_the_check_uses_it(mp, fake, session, settings):
    c = await factories.county(session)
    villager, headers = await helpers.villager(session, settings, village=c.village, fake=fake)
    assert _claims(settings, headers)["oid"] == villager.mp_openid
    res = await helpers.submit(mp, headers)
    assert res.status_code == 201, res.text
    assert fake.calls("wxa/msg_sec_check")[-1].body["openid"] == villager.mp_openid


async def test_a_token_without_the_openid_still_files_a_report(mp, fake, session, settings):
    c = await factories.county(session)
    villager, headers = await helpers.villager(session, settings, village=c.village, fake=fake)
    claims = _claims(settings, headers)
    old = issue_token(
        subject=claims["sub"],
        audience=VILLAGER_AUDIENCE,
        secret=settings.secret_key,
        now=utcnow(),
        ttl=timedelta(hours=1),
        sid=claims["sid"],
    )
    res = await helpers.submit(mp, {"Authorization": f"Bearer {old}"})
    assert res.status_code == 201, res.text
    assert fake.calls("wxa/msg_sec_check")[-1].body["openid"] == villager.mp_openid
    assert (await session.get(Report, res.json()["id"])).reporter_villager_id == villager.id


async def test_an_ended_sign_in_is_refused_although_the_token_is_unexpired(mp, fake, session, settings):
    c = await factories.county(session)
    _, headers = await helpers.villager(session, settings, village=c.village, fake=fake)
    await villagers_service.sign_out(session, session_id=_claims(settings, headers)["sid"], now=utcnow())
    res = await helpers.submit(mp, headers)
    assert res.status_code == 401
    assert await session.scalar(select(func.count()).select_from(Report)) == 0
