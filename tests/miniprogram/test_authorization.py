"""For every /mp/v1 endpoint: another villager's private report (and its photo) cannot be reached.

Alice files a neighbour dispute with a photo, near Bob. Bob tries every endpoint; each probe states what
"not reachable" means there (404, absent from a list, refused as input, or simply not in the answer).
A last test fails when an endpoint is added without a probe here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from app.main import create_app
from tests import factories
from tests.miniprogram import helpers, photos

SECRET_TEXT = "邻居占了我家的宅基地"


@dataclass
class World:
    mp: httpx.AsyncClient
    bob: dict[str, str]
    report_id: int
    photo_id: int
    photo_url: str
    town_id: int


@pytest.fixture
async def world(mp, fake, session, settings) -> World:
    c = await factories.county(session)
    cadre = await factories.staff(session, role="intake_cadre", area=c.village)
    _, alice = await helpers.villager(session, settings, village=c.village, fake=fake)
    _, bob = await helpers.villager(session, settings, village=c.village, fake=fake)
    photo = (await helpers.upload(mp, alice, photos.image("JPEG", color=5))).json()
    created = await helpers.submit(
        mp, alice, category="neighbour_dispute", description=SECRET_TEXT, photo_ids=[photo["id"]]
    )
    report_id = created.json()["id"]
    await helpers.resolve(session, report_id, cadre.id)
    return World(mp, bob, report_id, photo["id"], photo["url"], c.town.id)


def _absent(res: httpx.Response, w: World) -> None:
    assert res.status_code < 500, res.text
    assert SECRET_TEXT not in res.text and f"/media/{w.photo_id}/" not in res.text


async def _get_report(w: World) -> None:
    res = await w.mp.get(f"/mp/v1/reports/{w.report_id}", headers=w.bob)
    assert res.status_code == 404


async def _second(w: World) -> None:
    assert (await w.mp.post(f"/mp/v1/reports/{w.report_id}/second", headers=w.bob)).status_code == 404


async def _rate(w: World) -> None:
    res = await w.mp.post(
        f"/mp/v1/reports/{w.report_id}/rating", json={"rating": "unsatisfied"}, headers=w.bob
    )
    assert res.status_code == 404


async def _list(w: World) -> None:
    res = await w.mp.get("/mp/v1/reports", headers=w.bob)
    assert res.status_code == 200 and res.json()["items"] == []


async def _nearby(w: World) -> None:
    params = {"lat": 31.5601, "lng": 107.1003, "category": "neighbour_dispute"}
    res = await w.mp.get("/mp/v1/reports/nearby", params=params, headers=w.bob)
    assert res.status_code == 200 and res.json() == []


async def _submit_with_her_photo(w: World) -> None:
    res = await helpers.submit(w.mp, w.bob, photo_ids=[w.photo_id])
    assert res.status_code == 422 and res.json()["detail"]["field"] == "photo_ids"


async def _photo(w: World) -> None:
    assert (await w.mp.get(f"/mp/v1/media/{w.photo_id}", headers=w.bob)).status_code == 404


async def _signed_photo(w: World) -> None:
    # Bob cannot make a link himself: a guessed or altered signature is refused.
    assert (
        await w.mp.get(f"/mp/v1/media/{w.photo_id}/signed", params={"e": 9999999999, "s": "x"})
    ).status_code == 404


async def _upload(w: World) -> None:
    _absent(await helpers.upload(w.mp, w.bob), w)


async def _feed(w: World) -> None:
    res = await w.mp.get("/mp/v1/feed", params={"area_id": w.town_id})
    assert res.status_code == 200 and res.json()["items"] == []
    _absent(res, w)


async def _me(w: World) -> None:
    _absent(await w.mp.get("/mp/v1/me", headers=w.bob), w)


async def _patch_me(w: World) -> None:
    _absent(await w.mp.patch("/mp/v1/me", json={"real_name": "鲍勃"}, headers=w.bob), w)


async def _phone(w: World) -> None:
    _absent(await w.mp.post("/mp/v1/me/phone", json={"code": "unknown"}, headers=w.bob), w)


async def _login(w: World) -> None:
    _absent(await w.mp.post("/mp/v1/auth/login", json={"code": "unknown"}), w)


async def _refresh(w: World) -> None:
    _absent(await w.mp.post("/mp/v1/auth/refresh", json={"refresh_token": "x" * 43}), w)


async def _logout(w: World) -> None:
    res = await w.mp.post("/mp/v1/auth/logout", headers=w.bob)
    assert res.status_code == 204 and res.content == b""


async def _bind_staff(w: World) -> None:
    _absent(await w.mp.post("/mp/v1/auth/bind-staff", json={"code": "ABCDEFGH"}, headers=w.bob), w)


async def _areas(w: World) -> None:
    _absent(await w.mp.get("/mp/v1/areas"), w)


async def _categories(w: World) -> None:
    _absent(await w.mp.get("/mp/v1/categories"), w)


async def _subscriptions(w: World) -> None:
    _absent(await w.mp.post("/mp/v1/subscriptions", json={"results": {"t1": "accept"}}, headers=w.bob), w)


async def _points(w: World) -> None:
    res = await w.mp.get("/mp/v1/points", headers=w.bob)
    assert res.status_code == 200 and res.json() == {"balance": 0, "items": [], "next_cursor": None}


async def _rewards(w: World) -> None:
    _absent(await w.mp.get("/mp/v1/rewards", headers=w.bob), w)


async def _redeem(w: World) -> None:
    headers = {**w.bob, "Idempotency-Key": "probe-redeem-1"}
    res = await w.mp.post("/mp/v1/redemptions", json={"reward_id": 999999}, headers=headers)
    assert res.status_code == 404
    _absent(res, w)


async def _redemptions(w: World) -> None:
    res = await w.mp.get("/mp/v1/redemptions", headers=w.bob)
    assert res.status_code == 200 and res.json()["items"] == []


async def _cancel_redemption(w: World) -> None:
    res = await w.mp.post("/mp/v1/redemptions/999999/cancel", headers=w.bob)
    assert res.status_code == 404


PROBES: dict[tuple[str, str], Callable[[World], Awaitable[None]]] = {
    ("POST", "/mp/v1/auth/login"): _login,
    ("POST", "/mp/v1/auth/refresh"): _refresh,
    ("POST", "/mp/v1/auth/logout"): _logout,
    ("POST", "/mp/v1/auth/bind-staff"): _bind_staff,
    ("POST", "/mp/v1/me/phone"): _phone,
    ("GET", "/mp/v1/me"): _me,
    ("PATCH", "/mp/v1/me"): _patch_me,
    ("GET", "/mp/v1/areas"): _areas,
    ("GET", "/mp/v1/categories"): _categories,
    ("POST", "/mp/v1/media"): _upload,
    ("GET", "/mp/v1/media/{media_id}"): _photo,
    ("GET", "/mp/v1/media/{media_id}/signed"): _signed_photo,
    ("GET", "/mp/v1/reports/nearby"): _nearby,
    ("POST", "/mp/v1/reports/{report_id}/second"): _second,
    ("POST", "/mp/v1/reports/{report_id}/rating"): _rate,
    ("POST", "/mp/v1/reports"): _submit_with_her_photo,
    ("GET", "/mp/v1/reports"): _list,
    ("GET", "/mp/v1/reports/{report_id}"): _get_report,
    ("GET", "/mp/v1/feed"): _feed,
    ("POST", "/mp/v1/subscriptions"): _subscriptions,
    ("GET", "/mp/v1/points"): _points,
    ("GET", "/mp/v1/rewards"): _rewards,
    ("POST", "/mp/v1/redemptions"): _redeem,
    ("GET", "/mp/v1/redemptions"): _redemptions,
    ("POST", "/mp/v1/redemptions/{redemption_id}/cancel"): _cancel_redemption,
}


@pytest.mark.parametrize("route", list(PROBES), ids=[f"{m} {p}" for m, p in PROBES])
async def test_another_villagers_private_report_is_not_reachable(world, route):
    await PROBES[route](world)


# Left out of the OpenAPI schema (WeChat's servers and <image src> use it), so named here.
HIDDEN = {("GET", "/mp/v1/media/{media_id}/signed")}


def test_every_mini_program_endpoint_has_a_probe(settings):
    # FastAPI includes routers lazily, so the published schema is the reliable list of routes.
    paths = create_app(settings).openapi()["paths"]
    routes = {(m.upper(), p) for p, ops in paths.items() if p.startswith("/mp/v1") for m in ops}
    assert routes | HIDDEN == set(PROBES)
