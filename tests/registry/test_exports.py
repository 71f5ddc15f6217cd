"""A release's exports, byte for byte: fixed number formats, CSV, JSON, SDMX-CSV and the DSD."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pytest

from registry.indicators import exports
from registry.indicators.strata import all_strata, stratum_label
from schemas.indicators import CATALOGUE

STRUCTURE_XML = Path(__file__).parent / "data" / "release_structure.xml"


@pytest.fixture
def cell() -> dict:
    """One suppressed-free coverage cell with a withheld rate's blanks and a revision."""
    return {
        "indicator": "coverage", "stratum": "type=medical;sector=public", "institutions": 6,
        "returns": 7, "numerator": 30, "denominator": 40, "pooled_rate": 0.75,
        "ci_low": 0.598, "ci_high": 0.8581234, "mean": 0.7, "p10": None, "p25": 0.5,
        "median": 0.7, "p75": 0.8, "p90": 0.9, "suppression": "none", "rate_withheld": False,
        "revised": True,
    }


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), (True, "true"), (False, "false"), (12, "12"), (0.5, "0.500000"),
    (1 / 3, "0.333333"), ("national", "national"), ("=SUM(A1)", "'=SUM(A1)"),
])
def test_a_value_is_written_in_its_fixed_form(value, text):
    assert exports.fmt(value) == text


@pytest.mark.parametrize(("value", "json_value"), [
    (0.123456789, 0.123457), (7, 7), (None, None), ("none", "none")])
def test_json_numbers_keep_six_decimals_and_other_values_stay(value, json_value):
    assert exports.rounded(value) == json_value


def test_the_checksum_is_the_sha256_of_the_utf8_bytes():
    assert exports.sha256("é") == (
        "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c")


def test_the_csv_is_a_header_then_one_fixed_format_row_per_cell(cell):
    assert exports.to_csv("2024-25", [cell]) == (
        "period,indicator,stratum,institutions,returns,numerator,denominator,pooled_rate,"
        "ci_low,ci_high,mean,p10,p25,median,p75,p90,suppression,rate_withheld,revised\n"
        "2024-25,coverage,type=medical;sector=public,6,7,30,40,0.750000,0.598000,0.858123,"
        "0.700000,,0.500000,0.700000,0.800000,0.900000,none,false,true\n")


def test_the_json_holds_the_method_the_indicators_used_and_every_cell(cell):
    document = json.loads(exports.to_json("2024-25", [cell], {"note": "Ratio über Colleges"}))
    coverage = next(i.as_dict() for i in CATALOGUE if i.code == "coverage")
    assert document == {
        "dataset": "mentoring-registry-national-benchmarks", "period": "2024-25",
        "method": {"note": "Ratio über Colleges"}, "indicators": [coverage],
        "cells": [{**cell, "ci_high": 0.858123}],
    }


def test_the_json_is_compact_sorted_unescaped_and_ends_with_a_newline(cell):
    text = exports.to_json("2024-25", [cell], {"z": "é", "a": 1})
    assert text.startswith('{"cells":[{"ci_high":0.858123,"ci_low":0.598,')
    assert '"method":{"a":1,"z":"é"},"period":"2024-25"}\n' in text
    assert text.endswith("}\n") and text.count("\n") == 1


def test_an_sdmx_identifier_is_upper_case_with_underscores_for_separators():
    assert exports.sdmx_id("mentors_over_cap") == "MENTORS_OVER_CAP"
    assert exports.sdmx_id("type=medical;sector=public") == "TYPE_MEDICAL__SECTOR_PUBLIC"
    assert exports.sdmx_id("a.b") == "A_B"


@pytest.mark.parametrize(("starts_on", "ends_on", "period"), [
    (date(2024, 9, 1), date(2025, 8, 31), "2024-09-01/P12M"),
    (date(2024, 1, 1), date(2024, 1, 31), "2024-01-01/P1M"),
    (date(2024, 2, 1), date(2024, 2, 29), "2024-02-01/P1M"),
    (date(2024, 9, 1), date(2025, 8, 30), "2024-09-01/P364D"),
    (date(2024, 9, 2), date(2025, 8, 31), "2024-09-02/P364D"),
    (date(2024, 9, 15), date(2024, 9, 15), "2024-09-15/P1D"),
])
def test_a_period_is_whole_months_when_it_runs_from_a_first_to_a_last_day(
        starts_on, ends_on, period):
    assert exports.time_period(starts_on, ends_on) == period


def test_sdmx_csv_has_one_observation_per_statistic_missing_ones_as_nan(cell):
    lines = exports.to_sdmx_csv("2024-09-01/P12M", [cell]).split("\n")
    assert lines[0] == ("STRUCTURE,STRUCTURE_ID,ACTION,INDICATOR,STRATUM,STATISTIC,"
                        "TIME_PERIOD,OBS_VALUE,CONF_STATUS,OBS_STATUS")
    prefix = ("dataflow,MREG:DF_MENTORING_BENCHMARKS(1.0),I,COVERAGE,"
              "TYPE_MEDICAL__SECTOR_PUBLIC,")
    assert lines[1] == prefix + "INSTITUTIONS,2024-09-01/P12M,6,F,A"
    assert lines[5] == prefix + "POOLED_RATE,2024-09-01/P12M,0.750000,F,A"
    assert lines[9] == prefix + "P10,2024-09-01/P12M,NaN,F,O"
    assert (len(lines), lines[-1]) == (1 + len(exports.SDMX_STATISTICS) + 1, "")


@pytest.mark.parametrize(("suppression", "status"), [
    ("none", "F"), ("primary", "C"), ("secondary", "D")])
def test_sdmx_csv_marks_each_observation_with_the_cells_confidentiality(
        cell, suppression, status):
    rows = exports.to_sdmx_csv("t", [{**cell, "suppression": suppression}]).splitlines()[1:]
    assert {row.split(",")[-2] for row in rows} == {status}


@pytest.fixture
def two_indicators_two_strata(monkeypatch):
    """The structure built over a fixed slice of the standard, so the copy below does not
    change each time an indicator or stratum is added (the next test covers those)."""
    monkeypatch.setattr(exports, "CATALOGUE",
                        [i for i in CATALOGUE if i.code in ("coverage", "meetings_per_pair")])
    monkeypatch.setattr(exports, "all_strata", lambda: ["national", "sector=public"])


def test_the_structure_message_is_the_published_one_byte_for_byte(two_indicators_two_strata):
    """SDMX consumers key on these identifiers, names and references; a change is deliberate:
    regenerate the copy with structure_xml("2025-01-31T00:00:00") under the fixture above and
    review the diff."""
    assert exports.structure_xml("2025-01-31T00:00:00") == STRUCTURE_XML.read_bytes()


def test_the_structure_lists_every_indicator_and_stratum_with_its_name():
    root = ElementTree.fromstring(exports.structure_xml("2025-01-31T00:00:00"))
    names = {codelist.get("id"): [(code.get("id"), code.find("com:Name", exports.NS).text)
                                  for code in codelist.findall("str:Code", exports.NS)]
             for codelist in root.iter(f"{{{exports.NS['str']}}}Codelist")}
    assert names["CL_INDICATOR"] == [(exports.sdmx_id(i.code), i.name) for i in CATALOGUE]
    assert names["CL_STRATUM"] == [(exports.sdmx_id(s), stratum_label(s)) for s in all_strata()]
