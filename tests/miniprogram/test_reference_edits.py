"""The categories a submission reads are kept a short while (app/reference/), yet an edit in the
console applies to the next report at once."""

from __future__ import annotations

from tests import factories
from tests.miniprogram import helpers


async def test_switching_a_category_off_in_the_console_refuses_it_at_once(mp, session, settings):
    # One app serves both, as in production: the console's edit drops that process's copy.
    c = await factories.county(session)
    admin = await factories.staff(session, role="admin", area=c.county)
    _, villager = await helpers.villager(session, settings, village=c.village)
    category = await factories.category(session)
    await session.commit()
    assert (await helpers.submit(mp, villager, key="cache-key-0001")).status_code == 201  # now cached

    staff = await factories.staff_token(mp, admin)
    res = await mp.patch(f"/api/v1/categories/{category.id}", headers=staff, json={"is_active": False})
    assert res.status_code == 200, res.text
    refused = await helpers.submit(mp, villager, key="cache-key-0002")
    assert refused.status_code == 422 and refused.json()["detail"]["field"] == "category"
