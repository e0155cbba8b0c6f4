"""Warning use cases: a detection scan, and a supervisor acknowledging or dismissing a warning.

Each runs in the caller's transaction (the job or the request commits) and writes its own audit entry.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.audit.service import Actor
from app.core.errors import Conflict, InvalidInput
from app.warnings import bulletins, concentrated, reconcile, repeated, repository, rising
from app.warnings.clusters import Cluster
from app.warnings.models import EarlyWarning, WarningStatus
from app.warnings.thresholds import Thresholds


async def find_clusters(session: AsyncSession, *, now: datetime, t: Thresholds) -> list[Cluster]:
    """Every cluster the three detectors see at `now` (nothing written)."""
    since = now - t.repeat_window
    clusters = repeated.by_reporter(
        await repository.repeat_by_reporter(session, since=since, until=now, minimum=t.repeat_min), t
    )
    clusters += repeated.by_place(
        await repository.repeat_by_place(session, since=since, until=now, minimum=t.repeat_min), t
    )
    clusters += concentrated.find(
        await repository.concentrated(
            session, since=now - t.concentrated_window, until=now, minimum=t.concentrated_min_reporters
        ),
        t,
    )
    clusters += await _rising(session, now=now, t=t)
    return clusters


async def _rising(session: AsyncSession, *, now: datetime, t: Thresholds) -> list[Cluster]:
    recent_start = now - repository.WEEK
    weeks = await repository.trailing_weeks(session, recent_start=recent_start, weeks=t.rising_weeks)
    county_id = await repository.county_id(session)
    if weeks < 1 or county_id is None:
        return []
    recent, trailing = await repository.weekly_counts(
        session, recent_start=recent_start, until=now, weeks=weeks
    )
    found = rising.surges(recent, trailing, weeks=weeks, county_id=county_id, t=t)
    members = await repository.recent_of_categories(
        session, since=recent_start, until=now, categories=(s.category_id for s in found)
    )
    return rising.clusters(found, members, weeks=weeks)


async def scan(session: AsyncSession, *, now: datetime, t: Thresholds) -> dict[str, int]:
    """One detection pass: new warnings, grown warnings, their bulletins. Counts for the job's run."""
    counts: Counter[str] = Counter(clusters=0, created=0, grown=0, bulletins=0)
    county_id = await repository.county_id(session)
    if county_id is None:
        return dict(counts)
    clusters = await find_clusters(session, now=now, t=t)
    counts["clusters"] = len(clusters)
    for change in await reconcile.apply(session, clusters, now=now, county_id=county_id):
        counts["created" if change.created else "grown"] += 1
        counts[f"{change.warning.kind}"] += 1
        counts["bulletins"] += await bulletins.send(
            session, warning=change.warning, added=change.added, now=now
        )
    if counts["created"] or counts["grown"]:
        audit.record(
            session,
            actor=Actor.system("warning-scan"),
            action="warning.scan",
            target_type="warning_scan",
            target_id=now.isoformat(),
            at=now,
            details={k: v for k, v in counts.items()},
        )
    await session.flush()
    return dict(counts)


def _require_open(warning: EarlyWarning) -> None:
    if warning.status != WarningStatus.open.value:
        raise Conflict("该预警已处理，不能重复操作", field="status", status=warning.status)


async def acknowledge(
    session: AsyncSession, *, warning: EarlyWarning, note: str | None, actor: Actor, now: datetime
) -> EarlyWarning:
    _require_open(warning)
    warning.status = WarningStatus.acknowledged.value
    warning.decided_by_id = actor.id if actor.kind == "staff" else None
    warning.decided_at = now
    warning.updated_at = now
    audit.record(
        session,
        actor=actor,
        action="warning.acknowledge",
        target_type="warning",
        target_id=warning.id,
        at=now,
        details={"version": warning.version, "note": note},
    )
    await session.flush()
    return warning


async def dismiss(
    session: AsyncSession, *, warning: EarlyWarning, reason: str, actor: Actor, now: datetime
) -> EarlyWarning:
    reason = reason.strip()
    if not reason:
        raise InvalidInput("排除预警须说明理由", field="reason")
    _require_open(warning)
    warning.status = WarningStatus.dismissed.value
    warning.dismiss_reason = reason
    warning.decided_by_id = actor.id if actor.kind == "staff" else None
    warning.decided_at = now
    warning.updated_at = now
    audit.record(
        session,
        actor=actor,
        action="warning.dismiss",
        target_type="warning",
        target_id=warning.id,
        at=now,
        details={"version": warning.version, "reason": reason},
    )
    await session.flush()
    return warning
