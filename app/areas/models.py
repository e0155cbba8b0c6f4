"""Areas (county → town → village → grid) and the departments of a town."""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.database import Base
from app.core.models import TimestampMixin


class AreaLevel(enum.StrEnum):
    county = "county"
    town = "town"
    village = "village"
    grid = "grid"


LEVEL_DEPTH = {AreaLevel.county: 0, AreaLevel.town: 1, AreaLevel.village: 2, AreaLevel.grid: 3}
LEVEL_LABELS = {
    AreaLevel.county: "县",
    AreaLevel.town: "镇(街道)",
    AreaLevel.village: "村(社区)",
    AreaLevel.grid: "网格",
}


class Area(TimestampMixin, Base):
    __tablename__ = "areas"
    __table_args__ = (
        CheckConstraint("level IN ('county','town','village','grid')", name="level"),
        CheckConstraint("length(code) >= 12", name="code_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # 12-digit statistical division code; grids append a local suffix to their village's code.
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    # Materialized path of ids ("/1/4/17/"), so "everything under this area" is one prefix match.
    path: Mapped[str] = mapped_column(String(200), index=True)

    parent: Mapped[Area | None] = relationship(remote_side=[id], lazy="raise")


class Department(TimestampMixin, Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))

    town: Mapped[Area] = relationship(lazy="raise")
