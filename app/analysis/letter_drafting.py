"""Which units get a reminder letter drafted for a period, and why (the rules are pure; the I/O is below).

A village or a department gets a draft when, in the period's analysis,
- it ranks among the bottom N of its kind county-wide (ANALYSIS_LETTER_BOTTOM_N; ties at the cut are
  included; a unit tied for first is never "bottom"; with N or fewer ranked units nobody is), or
- its on-time rate is under ANALYSIS_ON_TIME_THRESHOLD,
each only with at least ANALYSIS_LETTER_MIN_CASES cases due (a rate over two cases says little); or
- one of its key supervision items (重点督办) is still open past its limit when the drafts are made
  (the report ledger numbers are listed).
One letter per unit and period: a re-run drafts nothing new.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.analysis import letters
from app.analysis.indicators import UNIT_LABELS, Indicators, UnitKind
from app.analysis.letter_text import letter_body, letter_title
from app.analysis.models import LetterUnit, ReminderLetter, ReportKind
from app.analysis.snapshot import Analysis, RankedUnit
from app.audit.service import Actor
from app.reports.models import Report
from app.reports.workflow import OPEN_STATUSES
from app.supervision.models import SupervisionOrder

LETTER_KINDS = {UnitKind.village: LetterUnit.village, UnitKind.department: LetterUnit.department}


@dataclass(frozen=True, slots=True)
class Rules:
    bottom_n: int
    on_time_threshold: float
    min_cases: int


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def bottom_ids(ranking: Sequence[RankedUnit], units: dict[int, Indicators], rules: Rules) -> set[int]:
    """The bottom N of those with enough cases to be ranked fairly (ties at the cut included)."""
    if rules.bottom_n <= 0:
        return set()
    eligible = [r for r in ranking if r.on_time_rate is not None and units[r.unit_id].due >= rules.min_cases]
    if len(eligible) <= rules.bottom_n:  # "the last three of three" ranks nobody
        return set()
    cut = eligible[-rules.bottom_n].rank
    best = eligible[0].rank
    return {r.unit_id for r in eligible if r.rank >= cut and r.rank != best}


def reasons_for(
    kind: UnitKind,
    unit: Indicators,
    standing: RankedUnit | None,
    *,
    peers: int,
    in_bottom: bool,
    overdue_key_items: Sequence[dict[str, Any]],
    rules: Rules,
) -> list[dict[str, Any]]:
    reasons: list[dict[str, Any]] = []
    label = UNIT_LABELS[kind]
    rate = unit.on_time_rate
    if in_bottom and standing is not None and rate is not None:
        reasons.append(
            {
                "code": "bottom_rank",
                "rank": standing.rank,
                "peers": peers,
                "on_time_rate": rate,
                "text": f"在全县{peers}个{label}中按时办结率排名第{standing.rank}位（{_pct(rate)}），"
                f"位列后{rules.bottom_n}名。",
            }
        )
    if rate is not None and unit.due >= rules.min_cases and rate < rules.on_time_threshold:
        reasons.append(
            {
                "code": "on_time_rate",
                "on_time_rate": rate,
                "threshold": rules.on_time_threshold,
                "due": unit.due,
                "resolved_on_time": unit.resolved_on_time,
                "text": f"按时办结率为{_pct(rate)}，低于{rules.on_time_threshold * 100:.0f}%的要求"
                f"（应办结{unit.due}件，按时办结{unit.resolved_on_time}件）。",
            }
        )
    if overdue_key_items:
        numbers = [i["ledger_no"] or f"工单{i['report_id']}" for i in overdue_key_items]
        reasons.append(
            {
                "code": "key_supervision_overdue",
                "report_ids": [i["report_id"] for i in overdue_key_items],
                "ledger_nos": numbers,
                "text": f"重点督办事项逾期未办结{len(numbers)}件（台账编号：{'、'.join(numbers)}）。",
            }
        )
    return reasons


async def overdue_key_supervision(
    session: AsyncSession, *, now: datetime
) -> dict[tuple[UnitKind, int], list[dict[str, Any]]]:
    """Open key supervision items past their limit at `now` (the report's, or its open order's due date),
    under the village and the department they belong to."""
    open_order_late = exists().where(
        SupervisionOrder.report_id == Report.id,
        SupervisionOrder.status == "open",
        SupervisionOrder.due_at < now,
    )
    rows = await session.execute(
        select(Report.id, Report.ledger_no, Report.village_id, Report.department_id)
        .where(
            Report.key_supervision.is_(True),
            Report.status.in_([s.value for s in OPEN_STATUSES]),
            or_(and_(Report.resolve_due_at.is_not(None), Report.resolve_due_at < now), open_order_late),
        )
        .order_by(Report.id)
    )
    found: dict[tuple[UnitKind, int], list[dict[str, Any]]] = defaultdict(list)
    for report_id, ledger_no, village_id, department_id in rows.all():
        item = {"report_id": report_id, "ledger_no": ledger_no}
        found[(UnitKind.village, village_id)].append(item)
        if department_id is not None:
            found[(UnitKind.department, department_id)].append(item)
    return found


async def draft_for_period(
    session: AsyncSession,
    *,
    kind: ReportKind,
    analysis: Analysis,
    rules: Rules,
    issuer: str,
    actor: Actor,
    now: datetime,
) -> list[ReminderLetter]:
    """Drafts for the period's units that meet a rule and have no letter for it yet; returns the new ones."""
    late = await overdue_key_supervision(session, now=now)
    drafted: list[ReminderLetter] = []
    for unit_kind, letter_kind in LETTER_KINDS.items():
        units = {u.unit_id: u for u in analysis.current.units.get(unit_kind, [])}
        ranking = analysis.current.rankings.get(unit_kind, [])
        standing = {r.unit_id: r for r in ranking}
        bottom = bottom_ids(ranking, units, rules)
        for unit_id, unit in units.items():
            reasons = reasons_for(
                unit_kind,
                unit,
                standing.get(unit_id),
                peers=len(ranking),
                in_bottom=unit_id in bottom,
                overdue_key_items=late.get((unit_kind, unit_id), []),
                rules=rules,
            )
            if not reasons:
                continue
            target = await letters.resolve_unit(session, kind=letter_kind, unit_id=unit_id)
            letter = await letters.draft_letter(
                session,
                unit=target,
                period_kind=kind.value,
                period_key=analysis.period.key,
                reasons=reasons,
                title=letter_title(target.name, analysis.period.label),
                body=letter_body(
                    unit_name=target.name, period_label=analysis.period.label, issuer=issuer, reasons=reasons
                ),
                actor=actor,
                now=now,
            )
            if letter is not None:
                drafted.append(letter)
    return drafted
