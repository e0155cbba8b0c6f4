"""The warnings console in the authorization matrix: supervisors and admins in their area, village
secretaries read their village's; acknowledging and dismissing is for supervisors and admins."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.reports.models import Report
from app.warnings.models import EarlyWarning, WarningReport
from tests.console.matrix_base import EVERYONE, SUPERVISORS, Entry, World
from tests.factories import NOW

W = "/api/v1/warnings"
READERS = SUPERVISORS | {"secretary", "secretary_far"}
DECIDERS = {"admin", "sup_county", "sup_town"}  # sup_far: 404, the warning is in another town

ENTRIES: dict[tuple[str, str], Entry] = {
    ("GET", W): Entry(READERS, EVERYONE - READERS, lambda w: ("GET", W, {})),
    ("GET", f"{W}/counts"): Entry(READERS, EVERYONE - READERS, lambda w: ("GET", f"{W}/counts", {})),
    ("GET", f"{W}/{{warning_id}}"): Entry(
        DECIDERS | {"secretary"},
        EVERYONE - READERS,
        lambda w: ("GET", f"{W}/{w.ids['warning']}", {}),
    ),
    ("POST", f"{W}/{{warning_id}}/acknowledge"): Entry(
        DECIDERS,
        EVERYONE - SUPERVISORS,
        lambda w: ("POST", f"{W}/{w.ids['warning']}/acknowledge", {"json": {}}),
    ),
    ("POST", f"{W}/{{warning_id}}/dismiss"): Entry(
        DECIDERS,
        EVERYONE - SUPERVISORS,
        lambda w: ("POST", f"{W}/{w.ids['warning']}/dismiss", {"json": {"reason": "已核实，非同一问题"}}),
    ),
}


async def extend_world(session: AsyncSession, county: Any, accounts: Any, world: World) -> None:
    """An open warning in the home village, listing the world's report."""
    report_id = world.ids["report"]
    report = await session.get(Report, report_id)
    assert report is not None
    category_id = report.category_id
    warning = EarlyWarning(
        signature=f"repeated:reporter:c{category_id}:matrix:r{report_id}",
        kind="repeated",
        basis="reporter",
        category_id=category_id,
        subject="matrix",
        area_id=county.village.id,
        town_id=county.town.id,
        village_id=county.village.id,
        title="矩阵预警",
        details={},
        report_count=1,
        first_report_at=NOW,
        last_report_at=NOW,
        detected_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(warning)
    await session.flush()
    session.add(WarningReport(warning_id=warning.id, report_id=report_id, version=1))
    await session.flush()
    world.ids["warning"] = warning.id
