"""An institution's figures stored as one document read back exactly as computed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from registry.config import ReleaseSettings
from registry.indicators.compute import compute_release
from registry.indicators.figures import decode, decode_rows, encode_rows, encode_table
from tests.bench.bench_release import inputs


@pytest.fixture(scope="module")
def table():
    """The computed institution table of the national composition (185 colleges)."""
    return compute_release(inputs(1)[0], ReleaseSettings()).institutions


def computed_rows(table) -> list[dict]:
    return [{name: value for name, value in row.items() if name != "institution"}
            for row in table.rows()]


def test_documents_read_back_as_the_computed_rows(table):
    stored = [row for institution_id, document in encode_table(table)
              for row in decode_rows(institution_id, document)]
    assert stored == computed_rows(table)


def test_institutions_without_some_indicators_keep_only_their_rows(table):
    returns, reason = table.returns.copy(), table.reason.copy()
    returns[0, [1, 4]] = reason[0, [1, 4]] = 0  # no returns and no reason: not a row
    partial = replace(table, returns=returns, reason=reason)
    institution_id, document = next(encode_table(partial))
    stored = list(decode_rows(institution_id, document))
    assert [row["indicator"] for row in stored] == [
        code for n, code in enumerate(table.indicators) if n not in (1, 4)]
    assert stored == [row for row in computed_rows(partial)
                      if row["institution_id"] == institution_id]


def test_rows_stored_one_by_one_read_back_unchanged(table):
    rows = computed_rows(table)
    documents = encode_rows(rows)
    assert [row for institution_id, document in documents.items()
            for row in decode_rows(institution_id, document)] == rows


def test_results_carry_their_release_and_only_the_indicators_asked_for(table):
    institution_id, document = next(encode_table(table))
    [result] = decode(7, institution_id, document, ["coverage"])
    assert (result.release_id, result.institution_id, result.indicator) == (
        7, institution_id, "coverage")
    expected = next(row for row in computed_rows(table)
                    if row["institution_id"] == institution_id and row["indicator"] == "coverage")
    assert (result.value, result.by_level) == (expected["value"], expected["by_level"])
