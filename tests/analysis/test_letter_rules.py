"""The drafting rules, pure: bottom N with ties at the cut, the minimum of cases, the on-time threshold,
and never "bottom" for a unit tied for first."""

from __future__ import annotations

from app.analysis.indicators import Indicators, UnitKind
from app.analysis.letter_drafting import Rules, bottom_ids, reasons_for
from app.analysis.snapshot import ranking_of

RULES = Rules(bottom_n=2, on_time_threshold=0.8, min_cases=5)


def _unit(unit_id: int, due: int, on_time: int) -> Indicators:
    return Indicators(
        unit_kind=UnitKind.village,
        unit_id=unit_id,
        unit_name=f"村{unit_id}",
        due=due,
        resolved_on_time=on_time,
    )


def _bottom(units: list[Indicators], rules: Rules = RULES) -> set[int]:
    return bottom_ids(ranking_of(units), {u.unit_id: u for u in units}, rules)


def test_the_bottom_n_includes_ties_at_the_cut():
    units = [_unit(1, 10, 10), _unit(2, 10, 9), _unit(3, 10, 6), _unit(4, 10, 6), _unit(5, 10, 8)]
    # Rates 1.0, .9, .6, .6, .8: ranks 1, 2, 4, 4, 3 — the bottom two are tied, both count.
    assert _bottom(units) == {3, 4}
    assert _bottom(units, Rules(bottom_n=3, on_time_threshold=0.8, min_cases=5)) == {3, 4, 5}
    assert _bottom(units, Rules(bottom_n=0, on_time_threshold=0.8, min_cases=5)) == set()


def test_units_with_too_few_cases_are_not_ranked_into_a_letter():
    units = [_unit(1, 10, 10), _unit(2, 10, 9), _unit(5, 10, 8), _unit(3, 2, 0), _unit(4, 0, 0)]
    # Unit 3 (0 of 2) and unit 4 (nothing due) are below the minimum: the bottom two of the rest.
    assert _bottom(units) == {2, 5}
    # Two units with enough cases are not "the bottom two" of anything.
    assert _bottom(units[:2] + units[3:]) == set()


def test_a_unit_tied_for_first_is_never_bottom():
    units = [_unit(1, 10, 10), _unit(2, 10, 10), _unit(3, 10, 10)]
    assert _bottom(units) == set()


def test_the_reasons_quote_the_figures():
    unit = _unit(7, 10, 6)
    standing = next(r for r in ranking_of([unit, _unit(8, 10, 10)]) if r.unit_id == 7)
    reasons = reasons_for(
        UnitKind.village,
        unit,
        standing,
        peers=2,
        in_bottom=True,
        overdue_key_items=[{"report_id": 5, "ledger_no": "SP20261120-00003"}],
        rules=RULES,
    )
    assert [r["code"] for r in reasons] == ["bottom_rank", "on_time_rate", "key_supervision_overdue"]
    assert reasons[0]["text"] == "在全县2个村(社区)中按时办结率排名第2位（60.0%），位列后2名。"
    assert reasons[1]["text"] == "按时办结率为60.0%，低于80%的要求（应办结10件，按时办结6件）。"
    assert reasons[2]["ledger_nos"] == ["SP20261120-00003"]
    assert (
        reasons_for(
            UnitKind.village,
            _unit(9, 4, 0),
            None,
            peers=2,
            in_bottom=False,
            overdue_key_items=[],
            rules=RULES,
        )
        == []
    )  # under the minimum of cases: no rate reason
