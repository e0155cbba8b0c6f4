"""Precision and recall of the warnings against the labeled clusters, over reports and over clusters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tests.warnings.synthetic import Truth


@dataclass(frozen=True)
class Score:
    kind: str
    report_precision: float
    report_recall: float
    cluster_precision: float
    cluster_recall: float
    warnings: int
    clusters: int

    def line(self) -> str:
        return (
            f"{self.kind:<13} reports: precision {self.report_precision:.3f} recall {self.report_recall:.3f}"
            f" | clusters: precision {self.cluster_precision:.3f} recall {self.cluster_recall:.3f}"
            f" ({self.warnings} warnings, {self.clusters} labeled clusters)"
        )


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def score(kind: str, truths: Iterable[Truth], warnings: Iterable[tuple[str, frozenset[int]]]) -> Score:
    """Reports: flagged (listed by a warning of this kind) against labeled (in a cluster of this kind).
    Clusters: a warning is right when it matches a labeled cluster of its kind at Jaccard ≥ 0.5; a
    labeled cluster is found when some warning matches it so."""
    true = [t.report_ids for t in truths if t.kind == kind]
    found = [ids for k, ids in warnings if k == kind]
    labeled = frozenset().union(*true) if true else frozenset()
    flagged = frozenset().union(*found) if found else frozenset()
    hit = labeled & flagged
    right = [w for w in found if any(jaccard(w, t) >= 0.5 for t in true)]
    seen = [t for t in true if any(jaccard(w, t) >= 0.5 for w in found)]
    return Score(
        kind=kind,
        report_precision=len(hit) / len(flagged) if flagged else 1.0,
        report_recall=len(hit) / len(labeled) if labeled else 1.0,
        cluster_precision=len(right) / len(found) if found else 1.0,
        cluster_recall=len(seen) / len(true) if true else 1.0,
        warnings=len(found),
        clusters=len(true),
    )
