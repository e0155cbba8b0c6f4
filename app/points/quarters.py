"""Quarters on the county's calendar (Asia/Shanghai): "2026-Q4" and its UTC bounds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from app.core.errors import InvalidInput

_PATTERN = re.compile(r"(\d{4})-Q([1-4])")


@dataclass(frozen=True, slots=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = _PATTERN.fullmatch(text)
        if match is None or not 2000 <= int(match.group(1)) <= 2100:
            raise InvalidInput("季度格式应为 2026-Q4", field="quarter")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, moment: datetime, tz: ZoneInfo) -> Quarter:
        local = moment.astimezone(tz)
        return cls(local.year, (local.month - 1) // 3 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes: local midnight of the first day of this quarter and the next."""
        start = datetime(self.year, 3 * self.number - 2, 1, tzinfo=tz)
        end = (
            datetime(self.year + 1, 1, 1, tzinfo=tz)
            if self.number == 4
            else datetime(self.year, 3 * self.number + 1, 1, tzinfo=tz)
        )
        return start, end

    @property
    def label(self) -> str:
        return f"{self.year}年第{'一二三四'[self.number - 1]}季度"

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"
