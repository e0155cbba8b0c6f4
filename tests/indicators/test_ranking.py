"""Competition ranking with ties, missing values last."""

from __future__ import annotations

import pytest

from app.analysis.ranking import rank


def test_ties_share_a_rank_and_the_next_rank_skips():
    rows = [("a", 0.9), ("b", 0.8), ("c", 0.8), ("d", 0.7), ("e", 0.8)]
    ranked = rank(rows, lambda r: r[1])
    assert [(r.row[0], r.rank, r.tied) for r in ranked] == [
        ("a", 1, False),
        ("b", 2, True),
        ("c", 2, True),
        ("e", 2, True),
        ("d", 5, False),
    ]


def test_none_ranks_last_in_both_directions():
    rows = [("a", None), ("b", 0.5), ("c", 0.9), ("d", None)]
    assert [(r.row[0], r.rank, r.tied) for r in rank(rows, lambda r: r[1])] == [
        ("c", 1, False),
        ("b", 2, False),
        ("a", 3, True),
        ("d", 3, True),
    ]
    assert [(r.row[0], r.rank) for r in rank(rows, lambda r: r[1], descending=False)] == [
        ("b", 1),
        ("c", 2),
        ("a", 3),
        ("d", 3),
    ]


def test_a_second_key_breaks_ties_of_the_first():
    rows = [("a", 0.8, 0.9), ("b", 0.8, None), ("c", 0.8, 0.95), ("d", 1.0, 0.1), ("e", 0.8, 0.9)]
    ranked = rank(rows, lambda r: (r[1], r[2]))
    assert [(r.row[0], r.rank, r.tied) for r in ranked] == [
        ("d", 1, False),
        ("c", 2, False),
        ("a", 3, True),
        ("e", 3, True),
        ("b", 5, False),
    ]


def test_empty_and_mismatched_keys():
    assert rank([], lambda r: r) == []
    with pytest.raises(ValueError):
        rank([1, 2], lambda r: (r,) if r == 1 else (r, r))
