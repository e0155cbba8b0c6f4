"""Templates as configuration: each kind maps, per channel, to a WeChat template id and its field keys.

The template ids are the county's own (chosen in the WeChat admin consoles), so they live in the
`notification_templates` table; a row without `fields` uses the built-in layout below. A channel without
a row (or with a disabled one) is simply not used for that kind. Pure functions; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from string import Formatter
from typing import Any
from zoneinfo import ZoneInfo

from app.notifications.fields import cut, field_type
from app.notifications.kinds import Channel, Kind

# (key, payload source) per kind, shaped like the library templates these messages are built on.
DEFAULT_FIELDS: dict[Kind, tuple[tuple[str, str], ...]] = {
    Kind.acknowledged: (
        ("character_string1", "ledger_no"),
        ("thing2", "title"),
        ("phrase3", "status"),
        ("time4", "time"),
        ("thing5", "note"),
    ),
    Kind.assigned: (
        ("character_string1", "ledger_no"),
        ("thing2", "title"),
        ("time3", "deadline"),
        ("thing4", "note"),
    ),
    Kind.progress: (
        ("character_string1", "ledger_no"),
        ("thing2", "title"),
        ("phrase3", "status"),
        ("time4", "time"),
        ("thing5", "note"),
    ),
    Kind.resolved: (
        ("character_string1", "ledger_no"),
        ("thing2", "title"),
        ("phrase3", "status"),
        ("time4", "time"),
        ("thing5", "note"),
    ),
    Kind.rating_request: (("character_string1", "ledger_no"), ("thing2", "title"), ("thing3", "note")),
    Kind.sla_warning: (
        ("character_string1", "ledger_no"),
        ("thing2", "title"),
        ("time3", "deadline"),
        ("thing4", "note"),
    ),
    Kind.escalated: (
        ("character_string1", "ledger_no"),
        ("thing2", "title"),
        ("thing3", "unit"),
        ("time4", "time"),
    ),
    Kind.supervision_order: (
        ("character_string1", "ledger_no"),
        ("thing2", "title"),
        ("time3", "deadline"),
        ("thing4", "note"),
    ),
    Kind.reminder_letter: (("thing1", "unit"), ("thing2", "title"), ("date3", "time"), ("thing4", "note")),
    Kind.warning_bulletin: (("thing1", "title"), ("thing2", "area"), ("number3", "count"), ("date4", "time")),
    Kind.period_report: (("thing1", "title"), ("thing2", "unit"), ("date3", "time"), ("thing4", "note")),
    Kind.health_report: (("thing1", "unit"), ("thing2", "title"), ("date3", "time"), ("thing4", "note")),
    Kind.points_earned: (
        ("number1", "points"),
        ("number2", "balance"),
        ("thing3", "title"),
        ("date4", "time"),
    ),
    Kind.redemption_ready: (
        ("thing1", "title"),
        ("character_string2", "pickup_code"),
        ("thing3", "unit"),
        ("date4", "time"),
    ),
}
assert set(DEFAULT_FIELDS) == set(Kind), "every kind needs a layout"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    key: str
    source: str
    type: str


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    kind: Kind
    channel: Channel
    template_id: str
    fields: tuple[FieldSpec, ...]
    page: str | None = None


def field_specs(kind: Kind, fields: Sequence[Mapping[str, str]] | None) -> tuple[FieldSpec, ...]:
    if not fields:
        return tuple(FieldSpec(k, s, field_type(k)) for k, s in DEFAULT_FIELDS[kind])
    return tuple(FieldSpec(f["key"], f["source"], field_type(f["key"], f.get("type"))) for f in fields)


def spec_from_row(
    *,
    kind: str,
    channel: str,
    template_id: str,
    fields: Sequence[Mapping[str, str]] | None,
    page: str | None,
    enabled: bool,
) -> TemplateSpec | None:
    if not enabled or not template_id:
        return None
    kind_ = Kind(kind)
    return TemplateSpec(kind_, Channel(channel), template_id, field_specs(kind_, fields), page)


def render_data(
    spec: TemplateSpec, payload: Mapping[str, Any], *, tz: ZoneInfo, written_at: datetime | None = None
) -> dict[str, str]:
    """The `data` values for one send, each cut to its type's limit (and the OA's 20)."""
    oa = spec.channel is Channel.oa_template
    return {
        f.key: cut(payload.get(f.source), f.type, tz=tz, oa=oa, fallback_time=written_at) for f in spec.fields
    }


def render_page(pattern: str | None, payload: Mapping[str, Any]) -> str | None:
    """A mini program page with payload values filled in; None when the payload lacks one of them."""
    if not pattern:
        return None
    names = {name for _, name, _, _ in Formatter().parse(pattern) if name}
    if any(payload.get(name) in (None, "") for name in names):
        return None
    return pattern.format_map({name: payload[name] for name in names})
