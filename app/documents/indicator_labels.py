"""Which indicators the documents show, in what order, with their Chinese labels and formats. Pure."""

from __future__ import annotations

from typing import Any

from app.analysis.figures import DURATIONS, FIGURES, RATES

# The rows of an indicator table: counts, rates (shown as percentages) and durations.
SHOWN = (
    "received",
    "accepted",
    "rejected",
    "responded_in_time",
    "responded_in_time_rate",
    "due",
    "resolved",
    "resolved_on_time",
    "on_time_rate",
    "overdue_open",
    "rated",
    "satisfaction_rate",
    "unrated_share",
    "key_supervision",
    "key_supervision_rate",
    "reopen_rate",
    "repeat_complaints",
    "median_response_minutes",
    "p90_response_minutes",
    "median_resolve_hours",
    "p90_resolve_hours",
)
LABELS: dict[str, str] = {
    **FIGURES,
    **{name: label for name, (_, _, label) in RATES.items()},
    **{name: label for name, (_, label) in DURATIONS.items()},
}
RATE_NAMES = frozenset(RATES)
DURATION_NAMES = frozenset(DURATIONS)
NONE_TEXT = "—"


def label(name: str) -> str:
    return LABELS[name]


def shown(name: str, value: Any) -> str:
    """A value as a document shows it: 85.0% for rates, one decimal for durations, — for nothing."""
    if value is None:
        return NONE_TEXT
    if name in RATE_NAMES:
        return f"{value * 100:.1f}%"
    if name in DURATION_NAMES:
        return f"{value:.1f}"
    return str(int(value))


def shown_change(name: str, value: Any) -> str:
    if value is None:
        return NONE_TEXT
    if name in RATE_NAMES:
        return f"{value * 100:+.1f}个百分点"
    if name in DURATION_NAMES:
        return f"{value:+.1f}"
    return f"{int(value):+d}"
