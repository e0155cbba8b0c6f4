"""The "进度" answer: the status of a follower's latest reports, short enough for one chat bubble."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.inbound import replies
from app.reports.models import Report
from app.reports.workflow import STATUS_LABELS, Status

LATEST = 5
TITLE_CHARS = 16


def _title(description: str) -> str:
    text = " ".join(description.split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"


async def latest_reports_text(session: AsyncSession, *, villager_id: int) -> str:
    rows = (
        await session.execute(
            select(Report.id, Report.status, Report.ledger_no, Report.description)
            .where(Report.reporter_villager_id == villager_id)
            .order_by(Report.submitted_at.desc(), Report.id.desc())
            .limit(LATEST)
        )
    ).all()
    if not rows:
        return replies.NO_REPORTS
    lines = [replies.PROGRESS_HEAD]
    for n, (report_id, status, ledger_no, description) in enumerate(rows, start=1):
        lines.append(
            replies.PROGRESS_LINE.format(
                n=n,
                report_id=report_id,
                status=STATUS_LABELS[Status(status)],
                ledger=f"台账编号 {ledger_no}" if ledger_no else replies.PROGRESS_NO_LEDGER,
                title=_title(description),
            )
        )
    lines.append(replies.PROGRESS_TAIL)
    return "\n".join(lines)
