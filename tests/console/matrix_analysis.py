"""The authorization matrix's entries for period reports, health reports and reminder letters.

Period reports are for supervisors (a town supervisor reads the county's and their town's figures);
health reports for supervisors in area and the unit's own staff; letters for supervisors in area, and
for the unit once issued (only the unit answers it). See tests/console/matrix_base.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from app.analysis import cycle, letters
from app.analysis.models import HealthReport, LetterUnit, ReportKind
from app.analysis.periods import PeriodKind, last_complete
from app.audit.service import Actor
from app.core.settings import Settings
from tests.console.matrix_base import EVERYONE, SUPERVISORS, TZ, Entry, World

P, H, L = "/api/v1/period-reports", "/api/v1/health-reports", "/api/v1/letters"
NOT_SUPERVISORS = EVERYONE - SUPERVISORS
GRIDS = {"grid", "grid_far"}
HOME_VILLAGE_READERS = {"admin", "sup_county", "sup_town", "secretary", "cadre"}
LETTER_READERS_FORBIDDEN = {"grid", "handler", "grid_far", "handler_far"}
IN_AREA_SUPERVISORS = {"admin", "sup_county", "sup_town"}
UNIT_ROLES = {"secretary", "secretary_far", "dept", "dept_far"}
LAST_MONTH = last_complete(PeriodKind.month, datetime.now(UTC), TZ)


async def extend_world(session: Any, county: Any, accounts: dict[str, Any], world: World) -> None:
    now = datetime.now(UTC)
    report, _ = await cycle.run_period(
        session,
        kind=ReportKind.monthly,
        period=LAST_MONTH,
        settings=Settings(app_env="test"),
        actor=Actor.system("matrix"),
        now=now,
        with_units=True,
    )
    assert report is not None
    health = await session.scalar(
        select(HealthReport.id).where(
            HealthReport.unit_kind == "village", HealthReport.unit_id == county.village.id
        )
    )
    unit = await letters.resolve_unit(session, kind=LetterUnit.village, unit_id=county.village.id)
    ids = {}
    for name, period in (
        ("an_letter_draft", LAST_MONTH.previous()),
        ("an_letter_issued", LAST_MONTH.previous().previous()),
    ):
        letter = await letters.draft_letter(
            session,
            unit=unit,
            period_kind="monthly",
            period_key=period.key,
            reasons=[{"code": "manual", "text": "矩阵"}],
            title="提醒函",
            body="正文",
            actor=Actor.system("matrix"),
            now=now,
        )
        assert letter is not None
        ids[name] = letter.id
        if name == "an_letter_issued":
            await letters.issue(session, letter=letter, actor=Actor.system("matrix"), now=now, tz=TZ)
    world.ids.update(ids, an_period_report=report.id, an_health=health, an_village=county.village.id)


def _get(path: str) -> Any:
    return lambda w: ("GET", path.format(**w.ids), {})


ENTRIES: dict[tuple[str, str], Entry] = {
    ("GET", P): Entry(SUPERVISORS, NOT_SUPERVISORS, _get(P)),
    ("POST", P): Entry(
        {"admin", "sup_county"},
        EVERYONE - {"admin", "sup_county"},
        lambda w: ("POST", P, {"json": {"kind": "monthly", "period": LAST_MONTH.key}}),
    ),
    ("GET", f"{P}/{{report_id}}"): Entry(SUPERVISORS, NOT_SUPERVISORS, _get(P + "/{an_period_report}")),
    ("GET", f"{P}/{{report_id}}.docx"): Entry(
        SUPERVISORS, NOT_SUPERVISORS, _get(P + "/{an_period_report}.docx")
    ),
    ("GET", f"{P}/{{report_id}}.xlsx"): Entry(
        SUPERVISORS, NOT_SUPERVISORS, _get(P + "/{an_period_report}.xlsx")
    ),
    ("GET", H): Entry(EVERYONE - GRIDS, GRIDS, _get(H)),
    ("GET", f"{H}/{{report_id}}"): Entry(HOME_VILLAGE_READERS, GRIDS, _get(H + "/{an_health}")),
    ("GET", f"{H}/{{report_id}}.docx"): Entry(HOME_VILLAGE_READERS, GRIDS, _get(H + "/{an_health}.docx")),
    ("GET", L): Entry(EVERYONE - LETTER_READERS_FORBIDDEN, LETTER_READERS_FORBIDDEN, _get(L)),
    ("GET", f"{L}/counts"): Entry(SUPERVISORS, NOT_SUPERVISORS, _get(L + "/counts")),
    ("POST", L): Entry(
        IN_AREA_SUPERVISORS,
        NOT_SUPERVISORS,
        lambda w: (
            "POST",
            L,
            {
                "json": {
                    "unit_kind": "village",
                    "unit_id": w.ids["an_village"],
                    "period": LAST_MONTH.key,
                    "reasons": ["x"],
                }
            },
        ),
    ),
    ("GET", f"{L}/{{letter_id}}"): Entry(
        HOME_VILLAGE_READERS, LETTER_READERS_FORBIDDEN, _get(L + "/{an_letter_issued}")
    ),
    ("GET", f"{L}/{{letter_id}}.docx"): Entry(
        HOME_VILLAGE_READERS, LETTER_READERS_FORBIDDEN, _get(L + "/{an_letter_issued}.docx")
    ),
    ("PATCH", f"{L}/{{letter_id}}"): Entry(
        IN_AREA_SUPERVISORS,
        NOT_SUPERVISORS,
        lambda w: ("PATCH", f"{L}/{w.ids['an_letter_draft']}", {"json": {"title": "改"}}),
    ),
    ("POST", f"{L}/{{letter_id}}/issue"): Entry(
        IN_AREA_SUPERVISORS, NOT_SUPERVISORS, lambda w: ("POST", f"{L}/{w.ids['an_letter_draft']}/issue", {})
    ),
    ("POST", f"{L}/{{letter_id}}/withdraw"): Entry(
        IN_AREA_SUPERVISORS,
        NOT_SUPERVISORS,
        lambda w: ("POST", f"{L}/{w.ids['an_letter_draft']}/withdraw", {"json": {"reason": "x"}}),
    ),
    ("POST", f"{L}/{{letter_id}}/acknowledge"): Entry(
        {"secretary"},
        EVERYONE - UNIT_ROLES,
        lambda w: ("POST", f"{L}/{w.ids['an_letter_issued']}/acknowledge", {"json": {"response": "收到"}}),
    ),
}
