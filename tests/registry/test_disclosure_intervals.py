"""The interval attacker: linear programming over everything a period's releases publish.

The equation check (`suppression.determined_cells`) asks whether a withheld figure is
determined by the additive relations; the attacker here also uses the bounds the rules
publish (a primary cell holds 1–4 institutions, a secondary one 5 or more, a withheld
rate's denominator is under 23, counts are non-negative) and asks how narrow the range is.
"""

from __future__ import annotations

import pytest

from registry.config import ReleaseSettings
from registry.indicators.attack import attack, unprotected
from registry.indicators.compute import compute_release
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
    assert not gb.protected


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
    assert gb.protected and not ajk.protected  # 40 ± 20 would need 20 … 60


@pytest.mark.xfail(strict=True, raises=AssertionError, reason="issue 19: the release "
                   "build meets the equations, not yet the protection interval; the "
                   "attacker pins institution counts (1 + 5) and narrows withheld counts "
                   "below ±50 %")
def test_every_withheld_figure_of_a_national_release_keeps_its_protection_interval():
    inputs = synthetic_inputs()
    published = compute_release(inputs, ReleaseSettings(min_institutions=5, min_people=23)).cells
    truth = compute_release(inputs, ReleaseSettings(min_institutions=0, min_people=0)).cells
    found = attack([published], [truth], 5, 23, indicators=["coverage"])
    assert found and not unprotected(found)
