"""The area tree, the report form's lists, and binding a home village and grid."""

from __future__ import annotations

from tests import factories
from tests.miniprogram import helpers


async def test_the_area_tree_is_served_one_level_at_a_time(mp, session):
    c = await factories.county(session)
    towns = (await mp.get("/mp/v1/areas")).json()
    assert {t["name"] for t in towns} >= {"江口街道", "驷马镇"} and towns[0]["level_label"] == "镇(街道)"
    villages = await mp.get("/mp/v1/areas", params={"parent_id": c.town.id})
    assert [(v["name"], v["has_children"]) for v in villages.json()] == [("石垭村", True)]
    assert villages.headers["cache-control"].startswith("public")
    assert [g["name"] for g in (await mp.get("/mp/v1/areas", params={"parent_id": c.village.id})).json()] == [
        "一组网格"
    ]
    assert (await mp.get("/mp/v1/areas", params={"parent_id": 999999})).status_code == 404


async def test_categories_come_in_chinese_with_their_time_limits(mp):
    body = (await mp.get("/mp/v1/categories")).json()
    kinds = {k["code"]: k for k in body["kinds"]}
    assert [kinds[k]["name"] for k in ("problem", "praise", "alert")] == ["问题", "点赞", "提醒"]
    roads = next(c for c in kinds["problem"]["categories"] if c["code"] == "roads_traffic")
    assert roads["name"] == "道路交通" and roads["time_limit"] == "30分钟内响应，24小时内办结反馈"
    assert kinds["praise"]["categories"][0]["time_limit"] == "30分钟内响应"
    assert "反诈防骗" in {t["name"] for t in body["topics"]}


async def test_a_villager_binds_a_home_village_grid_and_name(mp, session, settings):
    c = await factories.county(session)
    _, headers = await helpers.villager(session, settings)
    res = await mp.patch(
        "/mp/v1/me",
        headers=headers,
        json={"home_village_id": c.village.id, "home_grid_id": c.grid.id, "real_name": " 王大爷 "},
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["home_village"]["name"] == "石垭村" and body["home_grid"]["name"] == "一组网格"
    assert body["real_name"] == "王大爷" and body["phone_masked"] is None


async def test_a_grid_of_another_village_or_a_town_as_village_is_refused(mp, session, settings):
    c = await factories.county(session)
    _, headers = await helpers.villager(session, settings)
    wrong_grid = await mp.patch(
        "/mp/v1/me", headers=headers, json={"home_village_id": c.other_village.id, "home_grid_id": c.grid.id}
    )
    assert wrong_grid.status_code == 422 and wrong_grid.json()["detail"]["field"] == "home_grid_id"
    town = await mp.patch("/mp/v1/me", headers=headers, json={"home_village_id": c.town.id})
    assert town.status_code == 422 and town.json()["detail"]["field"] == "home_village_id"
