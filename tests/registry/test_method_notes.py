"""The method notes say every rule the computation applies, with the figures it uses."""

from __future__ import annotations

import pytest

from registry.config import ReleaseSettings
from registry.indicators import stats
from registry.indicators.attack import PROTECTION_SHARE, PROTECTION_UNITS
from registry.indicators.exports import DECIMALS
from registry.indicators.institutions import FLAG_ALPHA, TESTED_KINDS
from registry.indicators.method import method_notes, note_sections, notes_text, sections
from registry.indicators.strata import DIMENSION_SETS, breakdown_label
from registry.services.releases.indicators import ACCEPTANCE_LEVELS
from schemas.indicators import CATALOGUE, ZERO_DENOMINATOR_RULES

SETTINGS = ReleaseSettings(min_institutions=7, min_people=31, acceptance_level="approved")


@pytest.fixture(scope="module")
def notes() -> dict:
    return method_notes(SETTINGS, ACCEPTANCE_LEVELS, "sha256:test")


def kind_words(kind: str) -> str:
    return kind.replace("_", " ")


@pytest.mark.parametrize("kind", sorted(ZERO_DENOMINATOR_RULES))
def test_every_kinds_zero_denominator_rule_has_its_sentence(notes, kind):
    assert (f"A return whose denominator is 0, for a {kind_words(kind)}: "
            f"{ZERO_DENOMINATOR_RULES[kind]}.") in notes["zero_denominators"]


def test_every_indicator_is_listed_under_its_kind(notes):
    listed = dict(part.split(": ", 1) for part in notes["indicator_kinds"].rstrip(".").split("; "))
    for indicator in CATALOGUE:
        assert indicator.code in listed[kind_words(indicator.kind)].split(", ")
    assert set(listed) == {kind_words(i.kind) for i in CATALOGUE}


@pytest.mark.parametrize("indicator", [i for i in CATALOGUE if i.gate], ids=lambda i: i.code)
def test_every_gate_has_its_sentence(notes, indicator):
    gate = indicator.gate
    assert (f"{indicator.code} is withheld for a return whose {gate.responded} / "
            f"{gate.invited} is under {gate.minimum:.0%}") in notes["survey_gates"]


@pytest.mark.parametrize("kind", sorted({i.kind for i in CATALOGUE}))
def test_every_kinds_interval_is_named(notes, kind):
    name = stats.INTERVAL_NAMES.get(kind)
    expected = (f"for a {kind_words(kind)}, never narrower than {name} on the pooled counts"
                if name else f"for a {kind_words(kind)}, that interval alone, and none")
    assert expected in notes["pooled_rate"]
    assert "linearised variance over the stratum's institutions" in notes["pooled_rate"]


def test_the_notes_carry_the_builds_thresholds_and_acceptance_level(notes):
    assert "fewer than 7 institutions are suppressed" in notes["suppression"]
    assert "not published when it is under 31" in notes["small_rates"]
    assert "reached 'approved' (validated < approved < signed_off)" in notes["data_counted"]
    assert "a primary cell holds 1 to 6 institutions" in notes["protection_interval"]


def test_the_notes_state_the_protection_interval_from_its_constants(notes):
    assert (f"max({PROTECTION_SHARE:.0%} of the value, {PROTECTION_UNITS:g}) on each side"
            in notes["protection_interval"])


def test_the_notes_state_quantiles_rounding_and_the_flags_test(notes):
    assert f"numpy method '{stats.QUANTILE_METHOD}'" in notes["distribution"]
    assert f"with {DECIMALS} decimals" in notes["rounding"]
    assert f"flagged at p < {FLAG_ALPHA:g}" in notes["adjusted_benchmark"]
    assert "over-dispersion" in notes["adjusted_benchmark"]
    untested = {i.kind for i in CATALOGUE} - set(TESTED_KINDS)
    assert all(f"Not tested for a {kind_words(k)}" in notes["adjusted_benchmark"]
               for k in untested)


def test_the_register_indicators_say_what_they_count(notes):
    for indicator in (i for i in CATALOGUE if i.source == "register"):
        assert indicator.definition in notes["register_indicators"]
    assert "a programme without a start date counts as running" in notes["register_indicators"]


def test_every_published_breakdown_is_named(notes):
    assert notes["strata"] == [breakdown_label("×".join(d) or "national") for d in DIMENSION_SETS]


def test_the_stored_text_reads_back_as_one_section_per_note(notes):
    found = note_sections(notes_text(notes))
    assert [title for title, _ in found] == [key.replace("_", " ").capitalize()
                                            for key in notes]
    assert found == sections(notes)
    assert dict(found)["Rounding"] == notes["rounding"]


def test_the_notes_say_the_attacker_reads_indicators_sharing_a_figure_together(notes):
    assert ("the indicators that share a numerator or denominator read together"
            in notes["protection_interval"])
