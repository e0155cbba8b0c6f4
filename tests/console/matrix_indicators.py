"""Authorization matrix entries for the indicators endpoints (issue #8)."""

from __future__ import annotations

from tests.console.matrix_base import EVERYONE, Entry

BASE = "/api/v1/indicators"
# Villages and their handlers are read by supervisors and the village's own secretary and cadre;
# department staff read departments only, handlers and grid workers no indicators at all.
NOT_FOR_VILLAGES = {"grid", "handler", "dept", "grid_far", "handler_far", "dept_far"}
VILLAGE_READERS = {"admin", "sup_county", "sup_town", "secretary", "cadre"}

ENTRIES: dict[tuple[str, str], Entry] = {
    ("GET", BASE): Entry(
        VILLAGE_READERS,
        NOT_FOR_VILLAGES,
        lambda w: (
            "GET",
            BASE,
            {"params": {"period": "2026-12", "unit_kind": "village", "within": w.ids["village"]}},
        ),
    ),
    ("GET", f"{BASE}/periods"): Entry(
        EVERYONE, set(), lambda w: ("GET", f"{BASE}/periods", {"params": {"kind": "week"}})
    ),
    ("GET", f"{BASE}/{{unit_kind}}/{{unit_id}}/drilldown"): Entry(
        VILLAGE_READERS,
        NOT_FOR_VILLAGES,
        lambda w: (
            "GET",
            f"{BASE}/village/{w.ids['village']}/drilldown",
            {"params": {"period": "2026-12", "figure": "received"}},
        ),
    ),
}
