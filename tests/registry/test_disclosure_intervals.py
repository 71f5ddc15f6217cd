"""The interval attacker: linear programming over everything a period's releases publish.

The equation check (`suppression.determined_cells`) asks whether a withheld figure is
determined by the additive relations; the attacker here also uses the bounds the rules
publish (a primary cell holds 1–4 institutions, a secondary one 5 or more, a withheld
rate's denominator is under 23, counts are non-negative) and asks how narrow the range is.
The rule: a sensitive figure (numerator or denominator of a primary cell or of a rate on
fewer than 23 people) keeps ±max(50 %, 3) of its value within its prior range.
"""

from __future__ import annotations

from registry.config import ReleaseSettings
from registry.indicators.attack import attack, failures, unprotected
from registry.indicators.compute import compute_release
from registry.indicators.protection import protect_intervals
from registry.indicators.strata import Relation
from registry.indicators.suppression import determined_cells
from tests.registry.test_benchmarks_properties import synthetic_inputs


def cell(stratum: str, status: str, institutions: int, returns: int, numerator: float,
         denominator: float, indicator: str = "coverage") -> dict:
    """A cell as a release shows it (figures blanked when suppressed)."""
    shown = status == "none"
    return {"indicator": indicator, "stratum": stratum, "suppression": status,
            "rate_withheld": None, "institutions": institutions if shown else None,
            "returns": returns if shown else None, "numerator": numerator if shown else None,
            "denominator": denominator if shown else None}


def truth_of(cells: list[dict], figures: dict[str, tuple]) -> list[dict]:
    return [{**c, **dict(zip(("institutions", "returns", "numerator", "denominator"),
                             figures[c["stratum"]], strict=True))} for c in cells]


UNSUPPRESSED = ReleaseSettings(min_institutions=0, min_people=0)  # the truth
PROVINCES = [Relation("national", ("province=GB", "province=AJK"))]


def provinces_split(parent_institutions: int) -> tuple[list[dict], list[dict]]:
    """National published; GB primary (1 college), AJK secondary (the rest)."""
    figures = {"national": (parent_institutions, parent_institutions, 300, 600),
               "province=GB": (1, 1, 40, 80),
               "province=AJK": (parent_institutions - 1, parent_institutions - 1, 260, 520)}
    shown = [cell("national", "none", *figures["national"]),
             cell("province=GB", "primary", *figures["province=GB"]),
             cell("province=AJK", "secondary", *figures["province=AJK"])]
    return shown, truth_of(shown, figures)


def test_a_parent_of_six_split_into_primary_and_secondary_pins_both_institution_counts():
    shown, truth = provinces_split(6)
    # the equations alone leave both open: two unknowns, one relation
    status = {c["stratum"]: c["suppression"] for c in shown}
    assert determined_cells(status, PROVINCES) == []
    found = {(i.stratum, i.quantity): i for i in attack([shown], [truth], 5, 23, links=PROVINCES)}
    gb = found[("province=GB", "institutions")]
    assert (gb.low, gb.high) == (1, 1)  # 6 = primary (1–4) + secondary (≥ 5)
    assert found[("province=AJK", "institutions")].low == found[
        ("province=AJK", "institutions")].high == 5


def test_institution_counts_have_no_protection_interval_but_a_primary_cells_people_do():
    # the directory publishes every college's programmes: how many colleges a cell holds
    # is public; what the one college of GB counts (40 of 80) is what the rule protects
    shown, truth = provinces_split(6)
    found = {(i.stratum, i.quantity): i for i in attack([shown], [truth], 5, 23, links=PROVINCES)}
    assert not found[("province=GB", "institutions")].sensitive
    assert found[("province=GB", "institutions")].protected
    assert found[("province=GB", "numerator")].sensitive
    assert not found[("province=AJK", "numerator")].sensitive  # a complement (6 colleges)


def test_a_parent_of_twenty_leaves_the_primary_cell_anywhere_from_one_to_four():
    shown, truth = provinces_split(20)
    found = {(i.stratum, i.quantity): i for i in attack([shown], [truth], 5, 23, links=PROVINCES)}
    gb = found[("province=GB", "institutions")]
    assert (gb.low, gb.high) == (1, 4) and gb.protected
    numerator = found[("province=GB", "numerator")]
    assert (numerator.low, numerator.high) == (0, 300)  # anything up to the parent
    assert numerator.protected


def test_a_withheld_rate_is_bounded_by_the_people_rule():
    figures = {"national": (10, 10, 30, 60), "province=GB": (5, 5, 10, 20),
               "province=AJK": (5, 5, 20, 40)}
    shown = [cell(s, "none", *figures[s]) for s in figures]
    for c, reason in ((shown[1], "denominator_below_minimum"),
                      (shown[2], "protects_a_withheld_rate")):
        c.update(numerator=None, denominator=None, rate_withheld=reason)
    found = {(i.stratum, i.quantity): i for i in attack([shown], [truth_of(shown, figures)],
                                                         5, 23, links=PROVINCES)}
    gb, ajk = found[("province=GB", "denominator")], found[("province=AJK", "denominator")]
    assert (gb.low, gb.high) == (0, 22)  # under 23 people, so at most 22
    assert (ajk.low, ajk.high) == (60 - 22, 60)
    assert gb.sensitive and gb.protected  # 20 ± 10 within 0 … 22
    assert not ajk.sensitive  # 40 people: withheld only to protect GB


def test_a_primary_cell_whose_complement_is_too_small_is_not_protected():
    # national 300 = GB 260 (primary) + AJK 40 (secondary): GB is at most 300, not 390
    figures = {"national": (10, 10, 300, 600), "province=GB": (2, 2, 260, 520),
               "province=AJK": (8, 8, 40, 80)}
    shown = [cell("national", "none", *figures["national"]),
             cell("province=GB", "primary", *figures["province=GB"]),
             cell("province=AJK", "secondary", *figures["province=AJK"])]
    found = failures([shown], [truth_of(shown, figures)], 5, 23, links=PROVINCES)
    assert {(i.stratum, i.quantity) for i in found} == {("province=GB", "numerator"),
                                                        ("province=GB", "denominator")}
    numerator = next(i for i in found if i.quantity == "numerator")
    assert numerator.high == 300 and numerator.required == (130, 390)


def test_the_quick_search_finds_exactly_the_figures_the_full_attack_leaves_unprotected():
    inputs = synthetic_inputs()
    published = compute_release(inputs, ReleaseSettings(min_institutions=5, min_people=23)).cells
    truth = compute_release(inputs, UNSUPPRESSED).cells
    chosen = ["coverage", "contact_hours_per_mentee", "mentee_satisfaction"]
    full = unprotected(attack([published], [truth], 5, 23, indicators=chosen))
    quick = failures([published], [truth], 5, 23, indicators=chosen)
    assert full and {(i.indicator, i.stratum, i.quantity, i.high) for i in full} == {
        (i.indicator, i.stratum, i.quantity, i.high) for i in quick}


def test_every_withheld_figure_of_a_national_release_keeps_its_protection_interval():
    inputs = synthetic_inputs()
    content = compute_release(inputs, ReleaseSettings(min_institutions=5, min_people=23))
    before = failures([content.cells], [content.truth], 5, 23)
    assert before  # the equations alone leave some narrowed below ±50 %
    report = protect_intervals(content.cells, content.truth, [], 5, 23)
    found = attack([content.cells], [compute_release(inputs, UNSUPPRESSED).cells], 5, 23,
                   sensitive_only=True)
    assert found and not unprotected(found)
    assert report["figures_left_unprotected"] == 0
