"""`warning-scan`: the early-warning detectors, every WARNING_SCAN_MINUTES (default 30).

One pass looks at the windows ending at `now` (30 days for repeats, 72 hours for concentrated reports,
the last 7 days against the weeks before for rising categories) and reconciles what it finds with the
warnings already raised, so running it again, or after a pause, raises nothing twice. The whole pass
is one transaction: its warnings and their bulletins commit together.
"""

from __future__ import annotations

from pydantic import ValidationError

from app.core.settings import Settings, get_settings
from app.warnings import service as warnings_service
from app.warnings.thresholds import Thresholds
from scheduler.registry import Job, JobContext, register


async def warning_scan(ctx: JobContext) -> dict[str, int]:
    async with ctx.database.sessionmaker() as session:
        counts = await warnings_service.scan(session, now=ctx.now, t=Thresholds.of(ctx.settings))
        await session.commit()
    return counts


def _interval_seconds() -> int:
    # The job list is fixed at import; settings that fail to load stop the app with their own error.
    try:
        minutes = get_settings().warning_scan_minutes
    except ValidationError:
        minutes = Settings.model_fields["warning_scan_minutes"].default
    return int(minutes) * 60


register(Job(name="warning-scan", run=warning_scan, every_seconds=_interval_seconds()))
