"""An oracle for a provisional release: every figure it publishes, recomputed from the
stored returns by plain code written from the release's own method notes and the
published catalogue (`catalogue_data`), without calling `registry.indicators`.

Deliberately naive: one return, one institution, one stratum at a time, in Python and
pandas, so that it shares nothing with the vectorised computation but the definitions.
"""

from __future__ import annotations

import csv
import io
import math
import random
import re
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from scipy import stats as distributions
from sqlalchemy import select

from registry.models import Institution, Period, Programme, Return, ReturnVersion
from registry.services.accounts.actors import Actor
from registry.services.releases import releases as service
from schemas.examples import synthetic_return
from schemas.indicators import catalogue_data
from tests.factories import make_institution
from tests.registry.benchmark_data import add_return, closed_period

ACCEPTED = ("validated", "approved", "signed_off")  # the order the notes state
DIMENSION_WORDS = {"college type": "type", "sector": "sector", "province": "province",
                   "programme level": "level"}
ORDER = ("type", "sector", "province", "level")
FIGURES = ("institutions", "returns", "numerator", "denominator", "pooled_rate", "ci_low",
           "ci_high", "mean", "p10", "p25", "median", "p75", "p90")
COLLEGES = [("KP", "medical", "public", 7), ("PB", "medical", "private", 6),
            ("SD", "dental", "private", 3), ("BA", "dental", "public", 5)]


@pytest.fixture
def release(session):
    """A closed period's provisional release over 21 colleges of four kinds: varied returns,
    postgraduate programmes, a return with no pairs at the start but endings, one counted
    through an earlier version, one rejected, one late."""
    period = closed_period(session)
    rng = random.Random(23)
    n = 0
    for province, type_, sector, count in COLLEGES:
        for k in range(count):
            college = make_institution(session, code=f"{province}-ORC-{k}", type=type_,
                                       sector=sector, province_code=province)
            levels = ["undergraduate"] + (["postgraduate"] if type_ == "medical" and k % 2
                                          else [])
            for level in levels:
                n += 1
                payload = synthetic_return(rng, college.code, period.code, f"P{n}", level,
                                           quality="poor" if n % 5 == 0 else "good")
                if n == 3:  # no pairs active at the start, yet endings: they still count
                    payload["activity"]["active_pairs_start"] = 0
                options = {}
                if n == 4:
                    options = {"status": "submitted", "history": ("validated",)}
                if n == 9:
                    options = {"status": "rejected"}
                if n == 11:
                    options = {"received_at": period.due_at + timedelta(days=2)}
                add_return(session, college, period, payload, **options)
    built = service.build_release(session, Actor.system("test"), period,
                                  service.ReleaseSettings(), run_id="oracle")
    session.flush()
    return built


def notes_of(release) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in release.method_notes.splitlines())


def counted_payloads(session, period_id: int) -> list[dict]:
    """Per the notes: each return's latest version whose current status is accepted."""
    found = []
    for return_ in session.scalars(select(Return).where(Return.period_id == period_id)):
        versions = session.scalars(select(ReturnVersion).where(
            ReturnVersion.return_id == return_.id).order_by(ReturnVersion.version)).all()
        accepted = [v for v in versions if v.status in ACCEPTED]
        if accepted:
            institution = session.get(Institution, return_.institution_id)
            found.append({"institution": institution, "payload": accepted[-1].payload,
                          "level": accepted[-1].payload["programme"]["level"]})
    return found


def field(payload: dict, path: str):
    value = payload
    for step in path.split("."):
        value = value.get(step) if isinstance(value, dict) else None
    return value


def term_value(payload: dict, term: str) -> float | None:
    """A term as the catalogue's docstring defines it; None when missing."""
    for test in ("!=", "="):
        if test in term:
            path, code = term.split(test, 1)
            value = field(payload, path)
            if value is None:
                return None
            items = value if isinstance(value, list) else [value]
            return float(any(i != code for i in items)) if test == "!=" else float(
                code in items)
    value = field(payload, term)
    if isinstance(value, bool | int | float):
        return float(value)
    return None


def total(payload: dict, terms) -> float | None:
    values = [term_value(payload, t) for t in terms]
    return None if any(v is None for v in values) else sum(values)


def return_figures(entry: dict, indicator: dict) -> tuple[float, float] | None:
    """(numerator, denominator) a return contributes, or None: the notes' zero-denominator
    rule per kind and the survey gates."""
    payload, level = entry["payload"], entry["level"]
    if level not in indicator["programme_levels"]:
        return None
    numerator = total(payload, indicator["numerator"])
    denominator = (float(indicator["denominator"]) if isinstance(indicator["denominator"], int)
                   else total(payload, indicator["denominator"]))
    if numerator is None or denominator is None:
        return None
    if denominator == 0 and indicator["kind"] == "proportion":
        return None  # not applicable
    if indicator["withheld_when"]:
        responded, invited, minimum = re.fullmatch(
            r"(\S+) / (\S+) < (\d+)%", indicator["withheld_when"]).groups()
        got, asked = term_value(payload, responded), term_value(payload, invited)
        if got is None or not asked or got / asked < int(minimum) / 100:
            return None
    return numerator, denominator


def register_units(session, period: Period, counted_versions: set[int]) -> list[dict]:
    """Completeness and timeliness, per the notes' register indicators: every programme
    started by the period's end (or without a start date), counted or on time or not."""
    units = []
    for programme in session.scalars(select(Programme)):
        if programme.start_date is not None and programme.start_date > period.ends_on:
            continue
        return_ = session.scalar(select(Return).where(Return.programme_id == programme.id,
                                                      Return.period_id == period.id))
        versions = [] if return_ is None else session.scalars(select(ReturnVersion).where(
            ReturnVersion.return_id == return_.id).order_by(ReturnVersion.version)).all()
        units.append({
            "institution": session.get(Institution, programme.institution_id),
            "level": programme.level,
            "accepted": float(any(v.id in counted_versions for v in versions)),
            "on_time": float(bool(versions) and versions[0].received_at <= period.due_at)})
    return units


def unit_rows(session, release, indicators: list[dict]) -> pd.DataFrame:
    """One row per counted return (or expected programme) × indicator that contributes."""
    period = session.get(Period, release.period_id)
    entries = counted_payloads(session, period.id)
    rows = []
    for indicator in indicators:
        if indicator["source"] == "register":
            flag = "on_time" if indicator["code"] == "returns_timeliness" else "accepted"
            units = register_units(session, period,
                                   set(release.provenance["return_version_ids"]))
            figures = [(u, (u[flag], 1.0)) for u in units]
        else:
            figures = [(e, return_figures(e, indicator)) for e in entries]
        for entry, found in figures:
            if found is not None:
                college = entry["institution"]
                rows.append({"indicator": indicator["code"], "institution": college.code,
                             "type": college.type, "sector": college.sector,
                             "province": college.province_code, "level": entry["level"],
                             "numerator": found[0], "denominator": found[1]})
    return pd.DataFrame(rows)


def strata_sets(notes: dict[str, str]) -> list[tuple[str, ...]]:
    found = []
    for label in notes["Strata"].rstrip(".").split(", "):
        words = label.removeprefix("by ").split(" and ")
        found.append(() if label == "national" else tuple(DIMENSION_WORDS[w] for w in words))
    return found


def interval(kind: str, y: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """The notes' stratum interval: over institutions (ratio estimator, t on n − 1), never
    narrower than the kind's interval on the pooled counts; proportions up to 1."""
    n, sy, sx = len(y), y.sum(), x.sum()
    low = high = math.nan
    if n >= 2 and sx > 0:
        r = sy / sx
        variance = n / (n - 1) * ((y - r * x) ** 2).sum() / sx ** 2
        half = distributions.t.ppf(0.975, n - 1) * math.sqrt(variance)
        low, high = max(r - half, 0.0), r + half
    if kind == "proportion" and sx > 0:
        z = distributions.norm.ppf(0.975)
        p = sy / sx
        centre = (p + z * z / (2 * sx)) / (1 + z * z / sx)
        half = z * math.sqrt(p * (1 - p) / sx + z * z / (4 * sx * sx)) / (1 + z * z / sx)
        low, high = np.fmin(low, max(centre - half, 0.0)), np.fmax(high, min(centre + half, 1))
        high = min(high, 1.0)
    if kind == "count_rate" and sx > 0:
        pooled_low = distributions.chi2.ppf(0.025, 2 * sy) / 2 / sx if sy > 0 else 0.0
        pooled_high = distributions.chi2.ppf(0.975, 2 * (sy + 1)) / 2 / sx
        low, high = np.fmin(low, pooled_low), np.fmax(high, pooled_high)
    return low, high


def oracle_cells(rows: pd.DataFrame, indicators: list[dict], sets) -> dict:
    """(indicator, stratum) → the figures of the notes, before any withholding."""
    cells = {}
    kinds = {i["code"]: i["kind"] for i in indicators}
    for (code, *_), _ in rows.groupby(["indicator"]):
        mine = rows[rows["indicator"] == code]
        for dims in sets:
            unit = ["institution", "level"] if "level" in dims else ["institution"]
            per_unit = mine.groupby(list(dict.fromkeys([*dims, *unit])), dropna=False).agg(
                numerator=("numerator", "sum"), denominator=("denominator", "sum"),
                returns=("numerator", "size")).reset_index()
            for key, group in per_unit.groupby(list(dims)) if dims else [((), per_unit)]:
                key = key if isinstance(key, tuple) else (key,)
                stratum = ";".join(f"{d}={v}" for d, v in sorted(
                    zip(dims, key, strict=True), key=lambda p: ORDER.index(p[0]))) or "national"
                y, x = group["numerator"].to_numpy(), group["denominator"].to_numpy()
                values = (y[x > 0] / x[x > 0])
                low, high = interval(kinds[code], y, x)
                cells[(code, stratum)] = {
                    "institutions": len(group), "returns": int(group["returns"].sum()),
                    "numerator": y.sum(), "denominator": x.sum(),
                    "pooled_rate": y.sum() / x.sum() if x.sum() > 0 else None,
                    "ci_low": low, "ci_high": high,
                    "mean": values.mean() if values.size else None,
                    **{name: (np.quantile(values, q, method="linear") if values.size else None)
                       for name, q in (("p10", .1), ("p25", .25), ("median", .5),
                                       ("p75", .75), ("p90", .9))}}
    return cells


def same(published: str, value) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return published == ""
    return published != "" and abs(float(published) - float(value)) <= 1.5e-6


def test_every_published_figure_agrees_with_a_recomputation_from_the_notes(session, release):
    indicators = catalogue_data()
    notes = notes_of(release)
    assert "Σ numerator / Σ denominator" in notes["Institution value"]
    expected = oracle_cells(unit_rows(session, release, indicators), indicators,
                            strata_sets(notes))
    published = list(csv.DictReader(io.StringIO(release.export_csv)))
    assert {(c["indicator"], c["stratum"]) for c in published} == set(expected)
    compared, differ = 0, []
    for cell in published:
        mine = expected[(cell["indicator"], cell["stratum"])]
        if cell["suppression"] != "none":
            continue
        shown = [f for f in FIGURES if not (cell["rate_withheld"] and f in (
            "numerator", "denominator", "pooled_rate", "ci_low", "ci_high"))]
        for name in shown:
            compared += 1
            if not same(cell[name], mine[name]):
                differ.append((cell["indicator"], cell["stratum"], name, cell[name], mine[name]))
    assert not differ, differ[:10]
    assert compared > 4000  # 4,459 in this release


def test_the_release_publishes_no_cell_and_no_rate_the_notes_withhold(session, release):
    indicators = catalogue_data()
    people = {i["code"] for i in indicators if i["people_denominator"]}
    expected = oracle_cells(unit_rows(session, release, indicators), indicators,
                            strata_sets(notes_of(release)))
    for cell in csv.DictReader(io.StringIO(release.export_csv)):
        mine = expected[(cell["indicator"], cell["stratum"])]
        if mine["institutions"] < release.min_institutions:
            assert cell["suppression"] != "none", cell
        if cell["indicator"] in people and mine["denominator"] < release.min_people:
            assert cell["suppression"] != "none" or cell["rate_withheld"], cell


def oracle_flags(rows: pd.DataFrame, notes: dict[str, str]) -> dict[tuple[str, str], str]:
    """(institution, indicator) → higher / as_expected / lower, as the notes' adjusted
    benchmark says: expected from the national rate per level, z against φ·E."""
    untested = re.search(r"Not tested for a (.*)\.$", notes["Adjusted benchmark"]).group(1)
    alpha = float(re.search(r"flagged at p < (\d+(?:\.\d+)?)",
                            notes["Adjusted benchmark"]).group(1))
    kinds = {i["code"]: i["kind"].replace("_", " ") for i in catalogue_data()}
    flags = {}
    for code, mine in rows.groupby("indicator"):
        if kinds[code] in untested.split(" or a "):
            continue
        level = mine.groupby("level")[["numerator", "denominator"]].sum()
        rate = (level["numerator"] / level["denominator"]).where(level["denominator"] > 0, 0.0)
        own = mine.groupby(["institution", "level"])["denominator"].sum().reset_index()
        own["expected"] = own["denominator"] * own["level"].map(rate)
        college = mine.groupby("institution")[["numerator", "denominator"]].sum()
        college["expected"] = own.groupby("institution")["expected"].sum()
        college["observed"] = college["numerator"].round()
        tested = college[college["expected"] > 0]
        z = ((tested["observed"] - tested["expected"]) / np.sqrt(tested["expected"])).to_numpy()
        low, high = np.quantile(z, (0.1, 0.9), method="linear")
        phi = max(1.0, float(np.mean(np.clip(z, low, high) ** 2)))
        for name, row in tested.iterrows():
            o, e = row["observed"], row["expected"]
            if phi > 1:
                p = 2 * distributions.norm.sf(abs(o - e) / math.sqrt(phi * e))
            else:
                p = min(1.0, 2 * min(distributions.poisson.cdf(o, e),
                                     distributions.poisson.sf(o - 1, e)))
            if row["denominator"] > 0:
                value, expected = row["numerator"] / row["denominator"], e / row["denominator"]
                flags[(name, code)] = ("as_expected" if p >= alpha
                                       else "higher" if value > expected else "lower")
    return flags


def test_every_colleges_flag_agrees_with_the_notes_adjusted_benchmark(session, release):
    from registry.services.releases.institution_figures import release_rows

    codes = {i.id: i.code for i in session.scalars(select(Institution))}
    expected = oracle_flags(unit_rows(session, release, catalogue_data()), notes_of(release))
    stored = {(codes[row["institution_id"]], row["indicator"]): row["flag"]
              for row in release_rows(session, release.id) if row["flag"] is not None}
    assert stored == expected
    assert {"higher", "lower", "as_expected"} >= set(stored.values()) and len(stored) > 500
