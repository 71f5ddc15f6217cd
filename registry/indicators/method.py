"""The method notes, written from the rules the computation applies.

Every sentence takes its figures and its lists from the constant, setting or catalogue
entry the computation itself uses (thresholds, quantile definition, interval per kind,
zero-denominator rule per kind, gates, protection interval, rounding, strata), so the
notes shipped with a release, shown on /indicators and in the Feedback Report cannot say
something the code does not do. `method_notes` makes them (through
`services.releases.method_notes`, which adds the settings and the quality suites of a
build); `note_sections` turns the stored text of a release's notes back into (title, text)
pairs for a page or the Feedback Report's methods section.
"""

from __future__ import annotations

from collections.abc import Sequence

from registry.config import ReleaseSettings
from registry.indicators import stats
from registry.indicators.attack import PROTECTION_SHARE, PROTECTION_UNITS
from registry.indicators.cells import RATE_WITHHELD, RATE_WITHHELD_COMPLEMENTARY
from registry.indicators.compute import METHOD_VERSION
from registry.indicators.exports import DECIMALS
from registry.indicators.institutions import FLAG_ALPHA, TESTED_KINDS
from registry.indicators.strata import DIMENSION_SETS, breakdown_label
from schemas.indicators import CATALOGUE, CATALOGUE_VERSION, ZERO_DENOMINATOR_RULES, Indicator

STRATA_KEY = "strata"


def method_notes(settings: ReleaseSettings, acceptance_levels: Sequence[str],
                 suite_version: str) -> dict:
    """How a release's figures were made, from the settings of its build."""
    return {
        "method_version": METHOD_VERSION,
        "catalogue_version": CATALOGUE_VERSION,
        "suite_version": suite_version,
        "data_counted": _data_counted(settings, acceptance_levels),
        "institution_value": "Σ numerator / Σ denominator over the institution's counted "
                             "returns in the period (and per programme level).",
        "indicator_kinds": _kinds(),
        "zero_denominators": _zero_denominators(),
        "survey_gates": _gates(),
        "register_indicators": _register_indicators(),
        "distribution": "Institutions, returns, mean and the "
                        f"{', '.join(_quantile_name(q) for q in stats.QUANTILES)} of "
                        "institution values; quantiles by numpy method "
                        f"'{stats.QUANTILE_METHOD}' (Hyndman & Fan 1996, definition 7).",
        "pooled_rate": _pooled_rate(),
        "suppression": _suppression(settings),
        "small_rates": _small_rates(settings),
        "protection_interval": _protection_interval(settings),
        "releases_of_a_period": _releases_of_a_period(),
        "adjusted_benchmark": _adjusted_benchmark(),
        "contribution": "The peer group's (same type and sector) median and pooled rate "
                        "with the institution minus without it.",
        "rounding": f"Exports give every non-integer figure with {DECIMALS} decimals.",
        STRATA_KEY: [breakdown_label("×".join(dims) or "national") for dims in DIMENSION_SETS],
    }


def notes_text(notes: dict) -> str:
    """The notes as stored with a release: one 'Title: text' line per note."""
    lines = [f"{_title(key)}: {value}" for key, value in notes.items()
             if not isinstance(value, list)]
    return "\n".join([*lines, f"{_title(STRATA_KEY)}: {', '.join(notes[STRATA_KEY])}."])


def sections(notes: dict) -> list[tuple[str, str]]:
    """(title, text) of each note, as a page shows them."""
    return note_sections(notes_text(notes))


def note_sections(text: str) -> list[tuple[str, str]]:
    """(title, text) of each line of a release's stored notes, for a page or a report."""
    found = []
    for line in text.splitlines():
        title, _, body = line.partition(": ")
        if line.strip():
            found.append((title, body) if body else ("", line))
    return found


def _title(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _quantile_name(q: float) -> str:
    return "median" if q == 0.5 else f"P{round(100 * q)}"


def _names(indicators: Sequence[Indicator]) -> str:
    return ", ".join(i.code for i in indicators)


def _data_counted(settings: ReleaseSettings, levels: Sequence[str]) -> str:
    return ("For each return, its latest version whose current status has reached "
            f"'{settings.acceptance_level}' ({' < '.join(levels)}); a version since returned "
            "or rejected no longer counts, and a newer version not yet accepted leaves the "
            "earlier accepted one counting (the release's provenance lists those returns).")


def _kind(kind: str) -> str:
    return kind.replace("_", " ")


def _kinds() -> str:
    kinds = dict.fromkeys(i.kind for i in CATALOGUE)
    return "; ".join(f"{_kind(kind)}: {_names([i for i in CATALOGUE if i.kind == kind])}"
                     for kind in kinds) + "."


def _zero_denominators() -> str:
    return " ".join(f"A return whose denominator is 0, for a {_kind(kind)}: {rule}."
                    for kind, rule in ZERO_DENOMINATOR_RULES.items())


def _gates() -> str:
    gated = [i for i in CATALOGUE if i.gate]
    return " ".join(f"{i.code} is withheld for a return whose {i.gate.responded} / "
                    f"{i.gate.invited} is under {i.gate.minimum:.0%} ({i.gate.reason})."
                    for i in gated) or "No indicator is gated."


def _register_indicators() -> str:
    return " ".join(f"{i.name} ({i.code}): {i.definition}" for i in CATALOGUE
                    if i.source == "register")


def _pooled_rate() -> str:
    per_kind = []
    for kind in dict.fromkeys(i.kind for i in CATALOGUE):
        name = stats.INTERVAL_NAMES.get(kind)
        if name is None:
            per_kind.append(f"for a {_kind(kind)}, that interval alone, and none for an "
                            "institution's own value")
        else:
            per_kind.append(f"for a {_kind(kind)}, never narrower than {name} on the pooled "
                            f"counts, and {name} on the institution's own counts for its "
                            "own value")
    return ("Σ numerator / Σ denominator over the stratum, with a 95 % interval that accounts "
            "for people being clustered in colleges: the ratio estimator's linearised "
            "variance over the stratum's institutions, n/(n-1) Σ (y_i - R x_i)² / (Σ x_i)², "
            "with Student's t on n-1 degrees of freedom (no interval with fewer than 2 "
            "institutions); " + "; ".join(per_kind) + ".")


def _suppression(settings: ReleaseSettings) -> str:
    return (f"Cells with fewer than {settings.min_institutions} institutions are suppressed "
            "(primary). Indicators share one suppression pattern when they share a "
            "denominator or have identical institution and return counts in every cell (a "
            "cell is primary for all of them when one has fewer than "
            f"{settings.min_institutions} institutions there). Complementary suppression "
            "(secondary) then makes sure no suppressed cell can be recovered from published "
            "cells through any additive relation (a stratum = the sum of its split by one "
            "more dimension), checked by linear algebra.")


def _small_rates(settings: ReleaseSettings) -> str:
    return (f"Rates whose denominator counts people are not published when it is under "
            f"{settings.min_people} ({RATE_WITHHELD}), nor their numerator and denominator; "
            "where the published numerators and denominators would give a withheld one back "
            f"by subtraction, more rates are withheld ({RATE_WITHHELD_COMPLEMENTARY}, smallest "
            "first) until none can be. Indicators whose numerators or denominators are the "
            "same return fields are withheld together.")


def _protection_interval(settings: ReleaseSettings) -> str:
    return ("Beyond the equations, an attacker using every bound the rules publish (a primary "
            f"cell holds 1 to {settings.min_institutions - 1} institutions, a withheld rate is "
            f"on fewer than {settings.min_people} people, counts are non-negative) is solved "
            "by linear programming over all releases of the period, the indicators that share "
            "a numerator or denominator read together (one's published figure is the "
            "other's wherever they agree). The numerator and "
            f"denominator of a primary cell, and of a rate on fewer than {settings.min_people} "
            "people, must each stay uncertain by at least "
            f"max({PROTECTION_SHARE:.0%} of the value, {PROTECTION_UNITS:g}) on each side "
            "(within what the cell's status already says; nothing to protect where the "
            "national total is 0); while one does not, the release withholds the rate of one "
            "more related cell (the smallest large enough, national cells last). Complements "
            "have no protection interval, nor have the numbers of institutions and returns "
            "of a cell: the public programme directory gives them. The change of a cell "
            "between a period's releases is not protected.")


def _releases_of_a_period() -> str:
    return ("A period's first release is provisional; the final one follows the revision "
            "window and flags every cell whose published figures differ from the latest "
            "provisional release (revised). Across a period's releases, a cell whose figures "
            "did not change counts as one unknown: a cell suppressed earlier stays suppressed "
            "while unchanged, and the new release suppresses more until no suppressed cell of "
            "any release of the period can be recovered from all of them together; the cells "
            "it adds are never ones published unchanged before. The change of a cell between "
            "releases is not protected: a final release keeps its totals, whose change shows "
            "the late returns.")


def _adjusted_benchmark() -> str:
    untested = sorted({_kind(i.kind) for i in CATALOGUE if i.kind not in TESTED_KINDS})
    return ("Indirect standardisation by programme level: expected = Σ_level national pooled "
            "rate × the institution's own denominator at that level. The flag (higher, as "
            "expected, lower) compares observed and expected numerators allowing for how "
            "much colleges differ beyond chance: z = (O − E) / √(φ·E), where φ ≥ 1 is the "
            "indicator's over-dispersion, the mean of the squared Pearson residuals "
            "(O − E)/√E over the institutions with a value, winsorised at their "
            f"{_quantile_name(stats.WINSOR[0])} and {_quantile_name(stats.WINSOR[1])} "
            "(Spiegelhalter 2005); two-sided p from the normal distribution when φ > 1, the "
            f"exact Poisson test when φ = 1; flagged at p < {FLAG_ALPHA:g}. Not tested for "
            f"a {' or a '.join(untested)}.")
