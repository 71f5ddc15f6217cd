"""The quality frame: one row per latest return version of a period, every column the rules read.

Each row is computed by the rules' own one-return code (expectations.derivations through
expectations.engine: the return's figures, the catalogue indicators the rules name, and
each rule's named derivation, given the programme's previous-period row and the period's
picture), so the pipeline, the dry run and the toolkit compute a column the same way.
Great Expectations then validates the frame as a batch (quality_checks.validate_frame).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from expectations import Rule
from expectations.derivations import (
    PeriodPicture,
    return_columns,
    return_paths,
    sparse_payload,
)
from expectations.engine import add_derived, row_columns, rule_indicators

ID_COLUMNS = ("version_id", "return_id", "institution_id", "programme_id", "institution_code",
              "programme_code", "version_status", "return_status")


def rule_paths(rules: Sequence[Rule]) -> tuple[str, ...]:
    """The payload paths the rules' columns are computed from (what the pipeline extracts)."""
    return return_paths(rule_indicators(rules), [(rule.derivation, rule.parameters)
                                                 for rule in rules if rule.derivation])


def compared_indicators(rules: Sequence[Rule]) -> tuple[str, ...]:
    """The indicators the previous-period rules compare (a previous-period row needs no more)."""
    return rule_indicators(rule for rule in rules if rule.kind == "credibility")


def previous_paths(rules: Sequence[Rule]) -> tuple[str, ...]:
    """The payload paths of a previous-period row: its figures, the compared indicators and
    what the previous-period derivations read of the previous return."""
    return return_paths(compared_indicators(rules), [(rule.derivation, rule.parameters)
                                                     for rule in rules if rule.derivation],
                        needs=("previous",))


def record_payload(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """A record's return: its `payload`, or the part `figures` holds (values by path, as text)."""
    if "figures" in record:
        return sparse_payload(record["figures"])
    return record["payload"]


def build_frame(
    records: Iterable[Mapping[str, Any]],
    previous_records: Iterable[Mapping[str, Any]],
    rules: Sequence[Rule],
) -> pd.DataFrame:
    """Build the quality frame of a period from its latest versions and the previous period's.

    A record carries the ID_COLUMNS and either its `payload` or its extracted `figures`
    (values by path: rule_paths for the period, previous_paths for the previous one).
    """
    indicators = rule_indicators(rules)
    records = list(records)
    payloads = [record_payload(record) for record in records]
    rows = [{**{key: record.get(key) for key in ID_COLUMNS}, **return_columns(payload, indicators)}
            for record, payload in zip(records, payloads, strict=True)]
    compared = compared_indicators(rules)
    previous_records = list(previous_records)
    previous_payloads = [record_payload(record) for record in previous_records]
    previous_rows = [{**{key: record.get(key) for key in ID_COLUMNS},
                      **return_columns(payload, compared)}
                     for record, payload in zip(previous_records, previous_payloads, strict=True)]
    period = PeriodPicture(rows, previous_rows)
    before = {row["programme_id"]: row for row in previous_rows}
    before_payloads = {row["programme_id"]: payload
                       for row, payload in zip(previous_rows, previous_payloads, strict=True)}
    for row, payload in zip(rows, payloads, strict=True):
        add_derived(rules, row, payload, previous=before.get(row["programme_id"]), period=period,
                    previous_payload=before_payloads.get(row["programme_id"]))
    columns = list(row_columns(rules, {}, ids=dict.fromkeys(ID_COLUMNS)))
    frame = pd.DataFrame(rows, columns=columns)
    empty = [column for column in dict.fromkeys(c for rule in rules for c in rule.columns)
             if frame[column].dtype == object and frame[column].isna().all()]
    frame[empty] = frame[empty].astype(float)  # GX checks a float column faster than objects
    return frame.set_index("version_id", drop=False).rename_axis(None)
