"""From stored rows to document bytes: picks the issuer and dates, then builds off the event loop.

The builders (python-docx, matplotlib, openpyxl) are synchronous and CPU-bound; they run in a worker
thread so a download never blocks other requests.
"""

from __future__ import annotations

import asyncio
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.analysis.cycle import issuer_name, the_county
from app.analysis.indicators import UnitKind
from app.analysis.models import HealthReport, PeriodReport, ReminderLetter, ReportKind
from app.analysis.period_reports import PERIOD_OF_KIND, report_title
from app.analysis.periods import Period, parse_period
from app.core.clock import utcnow
from app.core.settings import Settings
from app.documents import health_docs, letter_docs, period_docs, xlsx_docs

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _issuer(session: AsyncSession, settings: Settings) -> str:
    county = await the_county(session)
    return issuer_name(settings, county) if county else settings.analysis_issuer or "综治中心"


def _period(report: PeriodReport) -> Period:
    return Period(PERIOD_OF_KIND[ReportKind(report.kind)], report.period_start, report.period_end)


async def period_report_docx(
    session: AsyncSession, *, report: PeriodReport, analysis: dict[str, Any], settings: Settings
) -> bytes:
    period = _period(report)
    doc = period_docs.PeriodDoc(
        title=report_title(ReportKind(report.kind), period),
        version=report.version,
        issuer=await _issuer(session, settings),
        issued_on=report.generated_at.astimezone(settings.tz).date(),
        period_label=period.label,
        analysis=analysis,
    )
    return await asyncio.to_thread(period_docs.build, doc)


async def period_report_xlsx(report: PeriodReport, *, analysis: dict[str, Any]) -> bytes:
    title = f"{report_title(ReportKind(report.kind), _period(report))}（第{report.version}版）"
    return await asyncio.to_thread(xlsx_docs.build, analysis, title=title)


async def health_report_docx(session: AsyncSession, *, report: HealthReport, settings: Settings) -> bytes:
    doc = health_docs.HealthDoc(
        unit_kind=UnitKind(report.unit_kind),
        unit_name=report.unit_name,
        period_label=parse_period(report.period_key).label,
        version=report.version,
        indicators=report.indicators,
        previous=report.previous,
        changes=report.changes,
        rank=report.rank,
        peers=report.peers,
        overdue=list(report.overdue),
        issuer=await _issuer(session, settings),
        issued_on=report.generated_at.astimezone(settings.tz).date(),
    )
    return await asyncio.to_thread(health_docs.build, doc)


async def letter_docx(session: AsyncSession, *, letter: ReminderLetter, settings: Settings) -> bytes:
    tz: ZoneInfo = settings.tz
    doc = letter_docs.LetterDoc(
        issuer=await _issuer(session, settings),
        doc_no=letter.doc_no,
        title=letter.title,
        unit_name=letter.unit_name,
        body=letter.body,
        dated=(letter.issued_at or utcnow()).astimezone(tz).date(),
    )
    return await asyncio.to_thread(letter_docs.build, doc)
