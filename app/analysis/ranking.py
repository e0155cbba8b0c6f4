"""Rankings with ties: competition ranking (1, 2, 2, 4), missing values last. Pure.

`key` gives one value or a tuple of values per row (e.g. on-time rate, then satisfaction); rows whose keys
are equal share a rank and are marked `tied`. A None — a rate whose denominator was 0 — sorts after every
number in either direction, so a unit with nothing to measure is never ranked first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cmp_to_key
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Ranked(Generic[T]):
    rank: int
    row: T
    tied: bool


def _parts(value: Any) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else (value,)


def _compare(a: tuple[Any, ...], b: tuple[Any, ...], descending: bool) -> int:
    for x, y in zip(a, b, strict=True):
        if x == y:
            continue
        if x is None:
            return 1
        if y is None:
            return -1
        better = x > y if descending else x < y
        return -1 if better else 1
    return 0


def rank(rows: Sequence[T], key: Callable[[T], Any], *, descending: bool = True) -> list[Ranked[T]]:
    """Rows in rank order; the order among tied rows is their input order (stable)."""
    keyed: list[tuple[tuple[Any, ...], T]] = [(_parts(key(row)), row) for row in rows]
    widths = {len(k) for k, _ in keyed}
    if len(widths) > 1:
        raise ValueError("every row's key needs the same number of parts")

    def order(a: tuple[tuple[Any, ...], T], b: tuple[tuple[Any, ...], T]) -> int:
        return _compare(a[0], b[0], descending)

    keyed.sort(key=cmp_to_key(order))
    ranked: list[Ranked[T]] = []
    counts: dict[tuple[Any, ...], int] = {}
    for k, _ in keyed:
        counts[k] = counts.get(k, 0) + 1
    position = 0
    previous: tuple[Any, ...] | None = None
    current_rank = 0
    for k, row in keyed:
        position += 1
        if previous is None or k != previous:
            current_rank = position
            previous = k
        ranked.append(Ranked(rank=current_rank, row=row, tied=counts[k] > 1))
    return ranked
