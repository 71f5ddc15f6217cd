"""A period's provisional and final releases: the final stays useful and gives away no
more than its change. One late return each time: the only dental college in Azad Kashmir
(the final has a cell, dental × AJK, the provisional lacked: the case that hid the
totals), a dental college of Balochistan (whose province cell passes 5 with it), and the
only college of Gilgit-Baltistan (a province the provisional lacks altogether)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from registry.config import ReleaseSettings
from registry.indicators.attack import attack, unprotected
from registry.indicators.compute import compute_release
from registry.indicators.protection import protect_intervals, truth_cells
from registry.indicators.revisions import (
    protect_against_differencing,
    release_view,
    suppression_summary,
)
from tests.registry.test_benchmarks_properties import SETTINGS, synthetic_inputs

UNSUPPRESSED = ReleaseSettings(min_institutions=0, min_people=0)  # the truth
INDICATORS = ["coverage", "compliance_index", "mentee_satisfaction"]


def key(cell: dict) -> tuple[str, str]:
    return cell["indicator"], cell["stratum"]


@pytest.fixture(scope="module", params=[("dental", "private", "AJK"),
                                        ("dental", "public", "BA"), ("medical", "private", "GB")],
                ids=["AJK", "BA", "GB"])
def pair(request):
    """(provisional, final) cells as the build makes them, and each with nothing
    suppressed (the truth)."""
    full = synthetic_inputs()
    late = next(i for i in full.institutions if (i.type, i.sector, i.province) == request.param)
    early = replace(full, returns=[u for u in full.returns if u.institution_id != late.id])
    provisional = compute_release(early, SETTINGS)
    protect_intervals(provisional.cells, provisional.truth, [], 5, 23)
    final = compute_release(full, SETTINGS)
    view = release_view(provisional.cells, provisional.institutions.rows(), early.institutions)
    protect_against_differencing(final, [view], full.institutions)
    protect_intervals(final.cells, final.truth, [(view.cells.values(), view.truth)], 5, 23)
    truth = [compute_release(inputs, UNSUPPRESSED).cells for inputs in (early, full)]
    return provisional.cells, final.cells, truth


def test_a_final_after_one_late_return_keeps_every_national_cell_published(pair):
    provisional, final, _ = pair
    national = [key(c) for c in provisional if c["stratum"] == "national"
                and c["suppression"] == "none"]
    assert national
    published = {key(c) for c in final if c["suppression"] == "none"}
    assert set(national) <= published


def test_a_final_after_one_late_return_hides_no_cell_published_unchanged(pair):
    provisional, final, (before, after) = pair
    figures = ("institutions", "returns", "numerator", "denominator")
    earlier = {key(c): tuple(c[q] for q in figures) for c in before}
    same = {key(c) for c in after if earlier.get(key(c)) == tuple(c[q] for q in figures)}
    shown = {key(c) for c in provisional if c["suppression"] == "none"} & same
    hidden = {key(c) for c in final if c["suppression"] != "none"}
    assert shown and not shown & hidden


def test_a_final_after_one_late_return_publishes_as_much_as_the_provisional(pair):
    provisional, final, _ = pair
    summary = suppression_summary(final, provisional)
    assert summary["published"] >= suppression_summary(provisional)["published"] - 25


def test_a_final_after_one_late_return_pins_no_count_of_people_but_its_change(pair):
    provisional, final, truth = pair
    found = attack([provisional, final], truth, 5, 23, indicators=INDICATORS)
    pinned = [i for i in found if i.quantity in ("numerator", "denominator")
              and i.high - i.low < 1e-6]
    # at most the late college's own new cell, which national final − provisional gives away
    assert all(i.change_only and i.release == 1 for i in pinned)
    assert {i.stratum for i in pinned} <= {"type=dental;province=AJK", "type=dental;province=BA",
                                           "province=GB", "type=medical;province=GB"}


def test_a_provisional_and_final_release_together_narrow_no_sensitive_figure(pair):
    provisional, final, truth = pair
    found = attack([provisional, final], truth, 5, 23, sensitive_only=True)
    assert {i.release for i in found} == {0, 1}
    # the late college's own change aside (national final − provisional gives it away)
    assert not [i for i in unprotected(found) if not i.change_only]


def test_a_releases_counts_before_withholding_follow_from_its_institution_figures():
    inputs = synthetic_inputs()
    content = compute_release(inputs, SETTINGS)
    assert truth_cells(content.institutions.rows(), inputs.institutions) == content.truth
    assert content.truth == [{name: c[name] for name in content.truth[0]}
                             for c in compute_release(inputs, UNSUPPRESSED).cells]


def test_each_release_reports_published_primary_and_secondary_cells_and_what_it_hid():
    cells = [{"indicator": "x", "stratum": s, "suppression": status, "rate_withheld": rate}
             for s, status, rate in (("a", "none", None), ("b", "primary", None),
                                     ("c", "secondary", None), ("d", "none", "protects"))]
    before = [dict(c, suppression="none", rate_withheld=None) for c in cells]
    assert suppression_summary(cells, before) == {
        "published": 2, "primary": 1, "secondary": 1, "rates_withheld": 1,
        "cells_hidden_since_previous": 2, "rates_withheld_since_previous": 1}
