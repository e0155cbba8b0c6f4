"""Sign-in through the (fake) WeChat, our own tokens, refresh, sign-out, staff binding, phone number."""

from __future__ import annotations

from datetime import timedelta

import jwt
from sqlalchemy import select

from app.core.clock import utcnow
from app.core.security import issue_token
from app.people.models import Villager
from app.villagers import profile as profile_service
from app.villagers import service as villagers_service
from app.villagers import staff_binding
from app.villagers.models import VillagerSession
from tests import factories
from tests.miniprogram import helpers


async def test_sign_in_gives_our_own_token_and_keeps_the_session_key_encrypted(mp, fake, session, settings):
    res = await helpers.login(mp, fake, openid="o-alice")
    assert res.status_code == 200, res.text
    body = res.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in", "profile", "workbench"}
    assert "o-alice" not in res.text and "sk-" not in res.text  # neither openid nor session_key
    assert (await mp.get("/mp/v1/me", headers=helpers.bearer(res))).json()["id"] == body["profile"]["id"]
    stored = await session.scalar(
        select(VillagerSession).where(VillagerSession.villager_id == body["profile"]["id"])
    )
    assert "sk-" not in stored.session_key_encrypted
    assert villagers_service.session_key_of(stored, secret=settings.secret_key).startswith("sk-code-")


async def test_signing_in_again_finds_the_same_villager(mp, fake):
    first = (await helpers.login(mp, fake, openid="o-bob")).json()["profile"]["id"]
    assert (await helpers.login(mp, fake, openid="o-bob")).json()["profile"]["id"] == first


async def test_an_invalid_or_reused_code_is_401_with_a_clear_message(mp, fake):
    res = await mp.post("/mp/v1/auth/login", json={"code": "never-issued"})
    assert res.status_code == 401 and "登录凭证无效或已使用" in res.json()["detail"]["message"]
    fake.add_login_code("once-only", "o-carol")
    assert (await mp.post("/mp/v1/auth/login", json={"code": "once-only"})).status_code == 200
    assert (await mp.post("/mp/v1/auth/login", json={"code": "once-only"})).status_code == 401


async def test_wechat_busy_is_503(mp, fake):
    fake.add_login_code("busy-code", "o-dave")
    fake.inject("sns/jscode2session", errcode=-1, times=None)
    res = await mp.post("/mp/v1/auth/login", json={"code": "busy-code"})
    assert res.status_code == 503 and "微信服务繁忙" in res.json()["detail"]["message"]


async def test_the_refresh_token_rotates_and_a_copied_old_one_ends_the_session(mp, fake, session, settings):
    signed = (await helpers.login(mp, fake)).json()
    renewed = await mp.post("/mp/v1/auth/refresh", json={"refresh_token": signed["refresh_token"]})
    assert renewed.status_code == 200 and renewed.json()["refresh_token"] != signed["refresh_token"]
    assert (await mp.get("/mp/v1/me", headers=helpers.bearer(renewed))).status_code == 200
    # Long after the rotation, the old token comes back: someone copied it.
    vsession = await session.scalar(
        select(VillagerSession).where(VillagerSession.villager_id == signed["profile"]["id"])
    )
    vsession.refreshed_at = utcnow() - timedelta(hours=1)
    await session.flush()
    stolen = await mp.post("/mp/v1/auth/refresh", json={"refresh_token": signed["refresh_token"]})
    assert stolen.status_code == 401
    assert (await mp.get("/mp/v1/me", headers=helpers.bearer(renewed))).status_code == 401


async def test_a_refresh_retried_after_a_lost_answer_still_works(mp, fake):
    signed = (await helpers.login(mp, fake)).json()
    await mp.post("/mp/v1/auth/refresh", json={"refresh_token": signed["refresh_token"]})  # answer "lost"
    retried = await mp.post("/mp/v1/auth/refresh", json={"refresh_token": signed["refresh_token"]})
    assert retried.status_code == 200
    assert (await mp.get("/mp/v1/me", headers=helpers.bearer(retried))).status_code == 200


async def test_expired_forged_and_foreign_tokens_are_401(mp, fake, settings):
    villager_id = (await helpers.login(mp, fake)).json()["profile"]["id"]
    long_ago = utcnow() - timedelta(days=1)
    expired = issue_token(
        subject=str(villager_id), audience="villager", secret=settings.secret_key, now=long_ago,
        ttl=timedelta(hours=2), sid=1,
    )  # fmt: skip
    forged = jwt.encode(
        {"sub": str(villager_id), "aud": "villager", "sid": 1, "exp": 9999999999},
        "a-guessed-secret-of-sufficient-length-000",
        "HS256",
    )
    staff_token = issue_token(
        subject=str(villager_id),
        audience="staff",
        secret=settings.secret_key,
        now=utcnow(),
        ttl=timedelta(hours=1),
    )
    for token in (expired, forged, staff_token, "not-a-token"):
        res = await mp.get("/mp/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert res.status_code == 401 and res.json()["detail"]["message"] == "登录已失效，请重新登录"


async def test_signing_out_ends_the_token(mp, fake):
    headers = helpers.bearer(await helpers.login(mp, fake))
    assert (await mp.post("/mp/v1/auth/logout", headers=headers)).status_code == 204
    assert (await mp.get("/mp/v1/me", headers=headers)).status_code == 401


async def test_a_staff_member_binds_with_a_one_time_code_and_then_sign_in_opens_the_workbench(
    mp, fake, session
):
    c = await factories.county(session)
    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    code = await staff_binding.issue_code(session, staff_id=cadre.id, now=utcnow(), ttl=timedelta(minutes=10))
    signed = await helpers.login(mp, fake, openid="o-cadre")
    assert signed.json()["workbench"] is None
    bound = await mp.post(
        "/mp/v1/auth/bind-staff", json={"code": code.lower()}, headers=helpers.bearer(signed)
    )
    assert bound.status_code == 200 and bound.json()["role_label"] == "常职干部"
    again = await mp.post("/mp/v1/auth/bind-staff", json={"code": code}, headers=helpers.bearer(signed))
    assert again.status_code == 422  # one-time
    workbench = (await helpers.login(mp, fake, openid="o-cadre")).json()["workbench"]
    console = await mp.get(
        "/api/v1/reports", headers={"Authorization": f"Bearer {workbench['access_token']}"}
    )
    assert console.status_code == 200


async def test_the_phone_number_is_stored_encrypted_and_shown_masked(mp, fake, session, settings):
    signed = await helpers.login(mp, fake)
    fake.add_phone_code("phone-code-1", "13812345678")
    res = await mp.post("/mp/v1/me/phone", json={"code": "phone-code-1"}, headers=helpers.bearer(signed))
    assert res.status_code == 200 and res.json()["phone_masked"] == "138****5678"
    villager = await session.get(Villager, signed.json()["profile"]["id"])
    assert "13812345678" not in (villager.phone_encrypted or "")
    assert profile_service.phone_of(villager, secret=settings.secret_key) == "13812345678"
    reused = await mp.post("/mp/v1/me/phone", json={"code": "phone-code-1"}, headers=helpers.bearer(signed))
    assert reused.status_code == 422 and reused.json()["detail"]["field"] == "code"
