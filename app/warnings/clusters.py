"""What the detectors read (one row per candidate report) and what they find (a cluster). Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.warnings.models import Basis, WarningKind


@dataclass(frozen=True, slots=True)
class Candidate:
    """The fields of a report that detection needs, and nothing else."""

    id: int
    category_id: int
    town_id: int
    village_id: int
    submitted_at: datetime
    villager_id: int | None = None
    staff_id: int | None = None
    lat: float | None = None
    lng: float | None = None
    coord_system: str | None = None
    description: str = ""

    @property
    def reporter(self) -> str:
        """Who filed it; a report with no known filer counts as a reporter of its own."""
        if self.villager_id is not None:
            return f"v{self.villager_id}"
        if self.staff_id is not None:
            return f"s{self.staff_id}"
        return f"r{self.id}"

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lng is not None


@dataclass(frozen=True, slots=True)
class Cluster:
    """Reports that together make a warning, and what a part of them needs to make one on its own."""

    kind: WarningKind
    basis: Basis
    category_id: int
    subject: str
    members: tuple[Candidate, ...]
    min_reports: int
    min_reporters: int = 1
    # Rising warnings are about a fixed area (a town, the county); the others about where their reports are.
    area_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ids(self) -> frozenset[int]:
        return frozenset(m.id for m in self.members)

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.kind.value, self.basis.value, self.category_id, self.subject)

    def qualifies(self, ids: Iterable[int]) -> bool:
        wanted = set(ids)
        chosen = [m for m in self.members if m.id in wanted]
        return len(chosen) >= self.min_reports and len({m.reporter for m in chosen}) >= self.min_reporters
