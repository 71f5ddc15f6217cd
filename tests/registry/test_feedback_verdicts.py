"""The Feedback Report's words: verdicts, changes, strengths and concerns from the figures."""

from __future__ import annotations

from registry.services.releases.feedback_report import (
    change_sentence,
    strengths_and_concerns,
    verdict,
)


def row(code="coverage", name="Coverage", value=0.6, expected=0.72, flag=None, p_value=None,
        ci=(None, None), better="higher", percentile=50.0, small=False) -> dict:
    """A comparison row as registry/services/releases/comparison.py gives it (the fields used)."""
    return {"indicator": code, "name": name, "value": value, "better": better,
            "ci_low": ci[0], "ci_high": ci[1], "missing_reason": None,
            "percentile": percentile, "small_denominator": small,
            "adjusted": {"expected": expected, "p_value": p_value, "flag": flag}}


def test_a_significantly_lower_value_is_below_its_benchmark():
    found = verdict(row(flag="lower", p_value=0.012))
    assert found.position == "below"
    assert found.sentence == ("Coverage: your 60.0 % is below the 72.0 % expected for a college "
                              "with your mix of programme levels; the gap is larger than chance "
                              "alone would explain.")
    assert found.basis == "exact Poisson test, p = 0.012"


def test_a_significantly_higher_value_is_above_its_benchmark():
    assert verdict(row(value=0.9, flag="higher", p_value=0.0001)).position == "above"


def test_a_difference_the_test_does_not_support_is_in_line():
    found = verdict(row(flag="as_expected", p_value=0.4))
    assert found.position == "in line with"
    assert "within what chance alone would explain" in found.sentence


def test_without_a_test_the_interval_decides():
    assert verdict(row(ci=(0.55, 0.75))).position == "in line with"
    assert verdict(row(ci=(0.52, 0.68))).position == "below"


def test_a_missing_value_gets_no_verdict():
    found = verdict(row(value=None))
    assert found.position is None and found.sentence == (
        "Coverage: no figure for your college (not reported).")


def test_a_change_is_told_in_words_with_its_periods():
    assert change_sentence("coverage", 0.6, 0.58, "2023-24", False).sentence == (
        "Coverage rose from 58.0 % in 2023-24 to 60.0 % (+2.0 percentage points).")
    assert "fell" in change_sentence("coverage", 0.5, 0.58, "2023-24", False).sentence
    assert change_sentence("coverage", 0.6, 0.58, "2023-24", True).sentence.endswith(
        "the method changed between the two periods, so compare with care.")


def test_a_change_is_the_difference_of_the_values_as_printed():
    assert change_sentence("coverage", 0.78149, 0.78040, "2023-24", False).sentence == (
        "Coverage rose from 78.0 % in 2023-24 to 78.1 % (+0.1 percentage points).")


def test_a_change_too_small_to_show_is_no_change():
    assert change_sentence("meeting_completion", 0.7412, 0.7438, "2023-24", False).sentence == (
        "Meeting completion stayed at 0.74 (as in 2023-24).")


def test_without_an_earlier_figure_no_change_is_claimed():
    assert change_sentence("coverage", 0.6, None, "2023-24", False).sentence == (
        "Coverage: no figure for 2023-24, so no change can be given.")


def test_significant_differences_come_before_national_quarters_and_direction_counts():
    rows = [row("coverage", "Coverage", flag="higher", p_value=0.01, value=0.9),
            row("trained_mentor_rate", "Trained-mentor rate", percentile=90.0),
            row("mentors_over_cap", "Mentors over cap", flag="lower", p_value=0.001,
                value=0.1, better="lower"),
            row("relationship_attrition", "Attrition", flag="higher", p_value=0.02, value=0.4,
                better="lower"),
            row("rematch_timeliness", "Re-match timeliness", percentile=10.0)]
    strengths, concerns = strengths_and_concerns(rows)
    assert [f.indicator for f in strengths] == ["mentors_over_cap", "coverage"]
    assert [f.indicator for f in concerns] == ["relationship_attrition", "rematch_timeliness"]
    assert concerns[1].sentence == ("Re-match timeliness: 60.0 %, lower than at about 90 % of "
                                    "colleges in the nation (percentile rank 10).")


def test_only_what_the_figures_support_is_called_a_strength():
    rows = [row("coverage", percentile=60.0),
            row("trained_mentor_rate", percentile=95.0, small=True),
            row("mentee_mentor_ratio", percentile=99.0, better="neither")]
    assert strengths_and_concerns(rows) == ([], [])
