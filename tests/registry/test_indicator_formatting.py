"""Indicator figures in words: the pages and the Feedback Report read them the same way."""

from __future__ import annotations

from registry.indicators.formatting import indicator_change, indicator_value


def test_a_proportion_reads_as_a_percentage_and_a_rate_with_two_decimals():
    assert indicator_value(0.7816, "coverage") == "78.2 %"
    assert indicator_value(0.7412, "meeting_completion") == "0.74"
    assert indicator_value(None, "coverage") == "–"


def test_a_change_reads_in_percentage_points_or_signed_figures():
    assert indicator_change(0.002, "coverage") == "+0.2 percentage points"
    assert indicator_change(-0.01, "meeting_completion") == "-0.01"


def test_a_change_that_rounds_to_zero_reads_as_no_change():
    assert indicator_change(-0.00002, "meeting_completion") == "no change"
    assert indicator_change(0.0004, "coverage") == "no change"
