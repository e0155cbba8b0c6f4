"""A labeled synthetic county for the detectors: repeated and concentrated clusters, near-misses, and
many ordinary reports, every report labeled with the cluster it belongs to (or none).

Geometry: villages 3 km apart on a grid; metres are turned into degrees around each village's centre.
Ordinary reports are kept 250 m from every other ordinary report of their category, use a different
problem and place phrase from the reports of their village and category within 72 hours, and no villager
files more than two in one category, so that no warning hides among them by accident.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area
from app.audit.service import Actor
from app.people.models import StaffAccount, Villager
from app.reports import service as reports_service
from app.reports.models import Report
from app.reports.workflow import Action
from tests import factories
from tests.warnings.texts import ISSUES, PLACES, PROBLEMS

TZ = ZoneInfo("Asia/Shanghai")
BASE = (31.56, 107.10)
M_PER_DEG = 111_195.0
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Truth:
    """A labeled cluster: the kind a warning should have, and its reports."""

    name: str
    kind: str
    report_ids: frozenset[int]


@dataclass
class LabeledSet:
    start: datetime
    end: datetime
    clusters: list[Truth] = field(default_factory=list)
    ordinary: set[int] = field(default_factory=set)
    all_ids: set[int] = field(default_factory=set)

    def labeled(self, kind: str) -> set[int]:
        return {r for c in self.clusters if c.kind == kind for r in c.report_ids}


def offset(centre: tuple[float, float], east_m: float, north_m: float) -> tuple[float, float]:
    lat = centre[0] + north_m / M_PER_DEG
    return lat, centre[1] + east_m / (M_PER_DEG * math.cos(math.radians(centre[0])))


class Builder:
    def __init__(self, session: AsyncSession, county: factories.County, end: datetime, seed: int = 8) -> None:
        self.session = session
        self.c = county
        self.rng = random.Random(seed)
        self.end = end
        self.start = end - 45 * DAY
        self.result = LabeledSet(start=self.start, end=end)
        self.villages: list[Area] = []
        self.centres: dict[int, tuple[float, float]] = {}
        self.villagers: list[Villager] = []
        self._used_pairs: dict[tuple[int, str], int] = {}
        self._ordinary_points: dict[str, list[tuple[float, float]]] = {}
        self._texts: list[tuple[int, str, datetime, str]] = []
        self.grid_worker: StaffAccount | None = None

    async def setup(self) -> None:
        extra = [await factories.area(self.session, level="village", parent=self.c.town) for _ in range(3)]
        extra += [
            await factories.area(self.session, level="village", parent=self.c.other_town) for _ in range(3)
        ]
        self.villages = [self.c.village, *extra[:3], self.c.other_village, *extra[3:]]
        for i, v in enumerate(self.villages):
            self.centres[v.id] = offset(BASE, (i % 4) * 3000.0, (i // 4) * 3000.0)
        for _ in range(260):
            self.villagers.append(
                await factories.villager(self.session, village=self.rng.choice(self.villages))
            )
        self.grid_worker = await factories.staff(self.session, role="grid_worker", area=self.c.grid)

    def fresh_villager(self) -> Villager:
        return self.villagers.pop()

    async def submit(
        self,
        *,
        village: Area,
        category: str,
        text: str,
        at: datetime,
        reporter: Villager | None = None,
        staff: StaffAccount | None = None,
        point: tuple[float, float] | None = None,
    ) -> Report:
        cat = await factories.category(self.session, category)
        report = await reports_service.submit_report(
            self.session,
            data=reports_service.NewReport(
                kind=cat.kind,
                category_id=cat.id,
                description=text,
                village_id=village.id,
                reporter_villager_id=reporter.id if reporter else None,
                reporter_staff_id=staff.id if staff else None,
                lat=point[0] if point else None,
                lng=point[1] if point else None,
                coord_system="gcj02" if point else None,
            ),
            actor=Actor(kind="villager", id=reporter.id if reporter else None),
            now=at,
        )
        self.result.all_ids.add(report.id)
        self._texts.append((village.id, category, at, text))
        if point is not None:
            self._ordinary_points.setdefault(category, []).append(point)
        return report

    async def act(self, report: Report, action: Action, at: datetime, **params: object) -> None:
        await reports_service.perform_action(
            self.session, report=report, action=action, actor=Actor(kind="system"), now=at, tz=TZ, **params
        )

    def when(self, earliest_days: float = 0.0, latest_days: float = 44.0) -> datetime:
        return self.start + timedelta(days=self.rng.uniform(earliest_days, latest_days))

    def truth(self, name: str, kind: str, reports: list[Report]) -> None:
        self.result.clusters.append(Truth(name, kind, frozenset(r.id for r in reports)))

    # -- the labeled clusters ------------------------------------------------------------------

    async def repeated_by_reporter(self, n: int) -> None:
        categories = list(PROBLEMS)
        for k in range(n):
            village = self.villages[k % len(self.villages)]
            person = self.fresh_villager()
            category = categories[k % len(categories)]
            problem = self.rng.choice(PROBLEMS[category])
            home = offset(self.centres[village.id], self.rng.uniform(-800, 800), self.rng.uniform(-800, 800))
            t0 = self.when(0, 16)
            reports = []
            for j in range(3 + k % 3):
                at = t0 + timedelta(days=j * self.rng.uniform(3, 7))
                point = offset(home, self.rng.uniform(-40, 40), self.rng.uniform(-40, 40)) if k % 2 else None
                text = problem if j == 0 else f"{problem}，上次反映过了还是没人来"
                reports.append(
                    await self.submit(
                        village=village, category=category, text=text, at=at, reporter=person, point=point
                    )
                )
            # Rejected and closed ones count too.
            await self.act(reports[0], Action.reject, reports[0].submitted_at + HOUR, reason="duplicate")
            second = reports[1]
            steps: tuple[tuple[Action, dict[str, object]], ...] = (
                (Action.accept, {}),
                (Action.assign, {"assignee_team": "volunteer"}),
                (Action.resolve, {"result": "已处理"}),
                (Action.close, {}),
            )
            if second.kind != "problem":
                steps = ((Action.acknowledge, {}),)
            for action, params in steps:
                await self.act(second, action, second.submitted_at + HOUR, **params)
            self.truth(f"reporter-{k}", "repeated", reports)

    async def repeated_by_place(self, n: int) -> None:
        categories = list(PROBLEMS)
        for k in range(n):
            village = self.villages[(k + 3) % len(self.villages)]
            category = categories[(k + 2) % len(categories)]
            spot = offset(self.centres[village.id], self.rng.uniform(-700, 700), self.rng.uniform(-700, 700))
            problem = self.rng.choice(PROBLEMS[category])
            t0 = self.when(0, 18)
            reports = []
            for j in range(3 + k % 2):
                at = t0 + timedelta(days=j * self.rng.uniform(4, 8))
                point = offset(spot, self.rng.uniform(-60, 60), self.rng.uniform(-60, 60))
                reports.append(
                    await self.submit(
                        village=village,
                        category=category,
                        text=problem,
                        at=at,
                        reporter=self.fresh_villager(),
                        point=point,
                    )
                )
            self.truth(f"place-{k}", "repeated", reports)

    async def concentrated(self) -> None:
        # Issues 1 and 2 are both 环境整治 in one village at the same time: two warnings, not one.
        homes = [0, 1, 1, 2, 3, 4, 5, 6, 7]
        for k, (category, lines) in enumerate(ISSUES[:-1]):
            village = self.villages[homes[k]]
            t0 = self.when(2, 40) if k not in (1, 2) else self.start + 20 * DAY
            reports = []
            for j, text in enumerate(lines):
                angle = 2 * math.pi * j / len(lines) + k
                point = (
                    offset(self.centres[village.id], 400 * math.cos(angle), 400 * math.sin(angle))
                    if j % 3 != 2
                    else None
                )
                staff = self.grid_worker if (k == 0 and j == 0) else None
                reports.append(
                    await self.submit(
                        village=village,
                        category=category,
                        text=text,
                        at=t0 + timedelta(hours=self.rng.uniform(0, 48)),
                        reporter=None if staff else self.fresh_villager(),
                        staff=staff,
                        point=point,
                    )
                )
            self.truth(f"issue-{k}", "concentrated", reports)
        # A bridge between two neighbouring villages: reported from both sides, within 500 m.
        category, lines = ISSUES[-1]
        a, b = self.villages[5], self.villages[6]
        bridge = offset(self.centres[a.id], 1500.0, 0.0)
        t0 = self.when(5, 35)
        reports = []
        for j, text in enumerate(lines):
            angle = 2 * math.pi * j / len(lines)
            reports.append(
                await self.submit(
                    village=a if j % 2 else b,
                    category=category,
                    text=text,
                    at=t0 + timedelta(hours=self.rng.uniform(0, 40)),
                    reporter=self.fresh_villager(),
                    point=offset(bridge, 180 * math.cos(angle), 180 * math.sin(angle)),
                )
            )
        self.truth("bridge", "concentrated", reports)

    # -- near-misses and ordinary reports (label: none) ----------------------------------------

    async def near_misses(self) -> None:
        cats = list(PROBLEMS)
        for k in range(3):  # same village and category, unrelated text, three reporters in 48 h
            village, category = self.villages[k + 1], cats[k]
            t0 = self.when(3, 40)
            for j, problem in enumerate(PROBLEMS[category][:3]):
                await self.none(village, category, f"{PLACES[j + 4 * k]}{problem}", t0 + j * 10 * HOUR)
        for k in range(4):  # two similar reports only
            category, lines = ISSUES[k]
            village, t0 = self.villages[7 - k], self.when(3, 40)
            for j in range(2):
                await self.none(village, category, lines[j], t0 + j * 5 * HOUR)
        for k in range(4):  # one villager twice; one place twice
            village, category = self.villages[k], cats[k + 1]
            person, t0 = self.fresh_villager(), self.when(0, 30)
            spot = offset(self.centres[village.id], -900.0, 900.0 - k * 300)
            for j in range(2):
                await self.none(village, category, PROBLEMS[category][j], t0 + j * 6 * DAY, reporter=person)
                await self.none(
                    village, category, PROBLEMS[category][-1 - j], t0 + j * 6 * DAY + HOUR, point=spot
                )
        for k in range(3):  # outside the window: similar texts 2.5 days apart; repeats 20 days apart
            category, lines = ISSUES[k + 3]
            village, t0 = self.villages[(k + 6) % len(self.villages)], self.start + DAY
            for j in range(3):
                await self.none(village, category, lines[j], t0 + j * 60 * HOUR + k * DAY)
            person = self.fresh_villager()
            problem = PROBLEMS[cats[k + 3]][0]
            spot = offset(self.centres[village.id], 950.0, -950.0)
            for j in range(3):
                at = self.start + (k + j * 20.5) * DAY
                await self.none(village, cats[k + 3], problem, at, reporter=person)
                await self.none(village, cats[k + 4], PROBLEMS[cats[k + 4]][1], at + HOUR, point=spot)
        for k in range(3):  # three at one "spot" but 260 m apart
            village, category = self.villages[k + 4], cats[k + 2]
            base, t0 = offset(self.centres[village.id], -950.0, -950.0), self.when(0, 30)
            for j in range(3):
                point = offset(base, 260.0 * j, 0.0)
                await self.none(village, category, PROBLEMS[category][j + 3], t0 + j * 4 * DAY, point=point)
        for k in range(2):  # similar texts, 48 h, but three villages kilometres apart
            category, lines = ISSUES[k + 5]
            t0 = self.when(3, 40)
            for j in range(3):
                village = self.villages[(j * 3 + k) % len(self.villages)]
                await self.none(village, category, lines[j], t0 + j * 12 * HOUR)
        for k in range(3):  # one villager, three categories
            person, village, t0 = self.fresh_villager(), self.villages[k], self.when(0, 30)
            for j in range(3):
                category = cats[(k + j) % len(cats)]
                await self.none(village, category, PROBLEMS[category][4], t0 + j * 3 * DAY, reporter=person)

    async def none(
        self,
        village: Area,
        category: str,
        text: str,
        at: datetime,
        *,
        reporter: Villager | None = None,
        point: tuple[float, float] | None = None,
    ) -> Report:
        report = await self.submit(
            village=village,
            category=category,
            text=text,
            at=at,
            reporter=reporter or self.fresh_villager(),
            point=point,
        )
        self.result.ordinary.add(report.id)
        return report

    async def ordinary(self, n: int) -> None:
        pool = self.villagers[:120]  # everyday reporters, each at most twice per category
        del self.villagers[:120]
        made = 0
        while made < n:
            village = self.rng.choice(self.villages)
            category = self.rng.choice(list(PROBLEMS))
            at = self.when()
            person = self.rng.choice(pool)
            if self._used_pairs.get((person.id, category), 0) >= 2:
                continue
            text = self._ordinary_text(village.id, category, at)
            if text is None:
                continue
            point = self._ordinary_point(village.id, category)
            self._used_pairs[(person.id, category)] = self._used_pairs.get((person.id, category), 0) + 1
            report = await self.submit(
                village=village, category=category, text=text, at=at, reporter=person, point=point
            )
            self.result.ordinary.add(report.id)
            made += 1

    def _ordinary_text(self, village_id: int, category: str, at: datetime) -> str | None:
        """A place and a problem that no report of this village and category within 72 h mentions."""
        near = [
            t
            for v, c, when, t in self._texts
            if v == village_id and c == category and abs(when - at) < 3 * DAY
        ]
        places = [p for p in PLACES if p and not any(p in t for t in near)]
        problems = [q for q in PROBLEMS[category] if not any(q in t for t in near)]
        if not places or not problems:
            return None
        return f"{self.rng.choice([*places, ''])}{self.rng.choice(problems)}"

    def _ordinary_point(self, village_id: int, category: str) -> tuple[float, float] | None:
        taken = self._ordinary_points.setdefault(category, [])
        centre = self.centres[village_id]
        for _ in range(30):
            point = offset(centre, self.rng.uniform(-1100, 1100), self.rng.uniform(-1100, 1100))
            if all(_metres(point, q) >= 250 for q in taken):
                taken.append(point)
                return point
        return None


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    from app.warnings.geo import haversine_m

    return haversine_m(a[0], a[1], b[0], b[1])


async def build(session: AsyncSession, county: factories.County, end: datetime) -> LabeledSet:
    b = Builder(session, county, end)
    await b.setup()
    await b.repeated_by_reporter(8)
    await b.repeated_by_place(8)
    await b.concentrated()
    await b.near_misses()
    await b.ordinary(320)
    await session.flush()
    return b.result
