"""Done-when: on a labeled synthetic county the detectors reach ≥ 0.9 precision and recall.

The scan is replayed every 12 hours over the 45 days, as the job would run it, so the figures include
clusters found while they grow and windows sliding past them. Precision and recall are measured over
reports (is each report a warning lists labeled with that kind?) and over clusters (does each warning
match a labeled cluster at Jaccard ≥ 0.5, and each labeled cluster a warning?). Run with `-s` to see
the printed figures; they are also in the assertion message.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.warnings import service
from app.warnings.models import EarlyWarning, WarningReport
from app.warnings.thresholds import Thresholds
from tests import factories
from tests.factories import NOW
from tests.warnings import synthetic
from tests.warnings.metrics import score

# Rising categories are measured on a set of their own (test_rising.py).
ONLY_CLUSTERS = Thresholds(rising_min=10**9)


async def test_repeated_and_concentrated_reach_090_precision_and_recall(session):
    c = await factories.county(session)
    labeled = await synthetic.build(session, c, NOW)
    at = labeled.start
    while at < labeled.end:
        await service.scan(session, now=at, t=ONLY_CLUSTERS)
        at += timedelta(hours=12)
    await service.scan(session, now=labeled.end, t=ONLY_CLUSTERS)

    rows = await session.execute(
        select(EarlyWarning.id, EarlyWarning.kind, WarningReport.report_id).join(
            WarningReport, WarningReport.warning_id == EarlyWarning.id
        )
    )
    listed: dict[int, tuple[str, set[int]]] = {}
    for warning_id, kind, report_id in rows.all():
        listed.setdefault(warning_id, (kind, set()))[1].add(report_id)
    warnings = [(kind, frozenset(ids)) for kind, ids in listed.values()]
    scores = [score(kind, labeled.clusters, warnings) for kind in ("repeated", "concentrated")]
    flagged = frozenset().union(*(ids for _, ids in warnings))
    wanted = labeled.labeled("repeated") | labeled.labeled("concentrated")
    summary = "\n".join(
        [
            f"labeled set: {len(labeled.all_ids)} reports, {len(labeled.clusters)} clusters, "
            f"{len(labeled.ordinary)} ordinary (near-misses included), {len(warnings)} warnings",
            *(s.line() for s in scores),
            f"any warning   reports: precision {len(flagged & wanted) / len(flagged):.3f}"
            f" recall {len(flagged & wanted) / len(wanted):.3f}",
        ]
    )
    print("\n" + summary)
    for s in scores:
        assert s.report_precision >= 0.9 and s.report_recall >= 0.9, summary
        assert s.cluster_precision >= 0.9 and s.cluster_recall >= 0.9, summary
