"""Indicators sharing a figure are attacked (and protected) together.

Trained-mentor rate and mentors over cap have one denominator, the active mentors: a
cell's denominator one of them withholds is the other's, published or not. Here the one
college of Gilgit-Baltistan is primary in both; each indicator on its own hides it with a
different province as complement (AJK for one, Balochistan for the other), so each alone
leaves it anywhere from 0 to 200 or 240 mentors, but each publishes the complement the
other hid: national − AJK − Balochistan gives its 40 mentors exactly.
"""

from __future__ import annotations

from registry.indicators.attack import attack, sharing_figures, unprotected
from registry.indicators.disclosure_audit import AuditedRelease, audit_releases, table
from registry.indicators.protection import protect_intervals
from registry.indicators.strata import Relation

PROVINCES = [Relation("national", ("province=GB", "province=AJK", "province=BA"))]
TRAINED, OVER_CAP = "trained_mentor_rate", "mentors_over_cap"
# stratum: institutions, returns, numerator (trained / over cap), active mentors
FIGURES = {"national": (20, 20, {TRAINED: 200, OVER_CAP: 40}, 400),
           "province=GB": (2, 2, {TRAINED: 20, OVER_CAP: 4}, 40),
           "province=AJK": (8, 8, {TRAINED: 80, OVER_CAP: 16}, 160),
           "province=BA": (10, 10, {TRAINED: 100, OVER_CAP: 20}, 200)}
STATUS = {TRAINED: {"province=GB": "primary", "province=AJK": "secondary"},
          OVER_CAP: {"province=GB": "primary", "province=BA": "secondary"}}


def releases() -> tuple[list[dict], list[dict]]:
    """(cells as published, their true figures) of both indicators."""
    shown, truth = [], []
    for indicator in (TRAINED, OVER_CAP):
        for stratum, (institutions, returns, numerators, mentors) in FIGURES.items():
            true = {"indicator": indicator, "stratum": stratum, "institutions": institutions,
                    "returns": returns, "numerator": numerators[indicator],
                    "denominator": mentors}
            status = STATUS[indicator].get(stratum, "none")
            cell = {**true, "suppression": status, "rate_withheld": None,
                    "pooled_rate": 0.5, "ci_low": 0.4, "ci_high": 0.6}
            if status != "none":
                cell.update(dict.fromkeys(("institutions", "returns", "numerator",
                                           "denominator", "pooled_rate", "ci_low",
                                           "ci_high")))
            shown.append(cell)
            truth.append(true)
    return shown, truth


def gilgit_mentors(found) -> dict[str, tuple[float, float]]:
    return {i.indicator: (i.low, i.high) for i in found
            if i.stratum == "province=GB" and i.quantity == "denominator"}


def test_the_two_indicators_share_their_denominator_by_definition():
    groups = sharing_figures([TRAINED, OVER_CAP, "coverage", "meeting_completion"])
    assert {TRAINED, OVER_CAP} <= groups[TRAINED]
    assert "meeting_completion" not in groups[TRAINED]


def test_one_indicator_at_a_time_the_attacker_leaves_the_college_protected():
    shown, truth = releases()
    found = attack([shown], [truth], 5, 23, links=PROVINCES, sensitive_only=True,
                   joint=False)
    assert gilgit_mentors(found) == {TRAINED: (0, 200), OVER_CAP: (0, 240)}
    assert not unprotected(found)


def test_together_the_attacker_pins_the_colleges_mentors_from_the_other_indicator():
    shown, truth = releases()
    found = attack([shown], [truth], 5, 23, links=PROVINCES, sensitive_only=True)
    assert gilgit_mentors(found) == {TRAINED: (40, 40), OVER_CAP: (40, 40)}
    assert {(i.indicator, i.quantity) for i in unprotected(found)
            if i.stratum == "province=GB"} >= {(TRAINED, "denominator"),
                                                (OVER_CAP, "denominator")}


def test_figures_that_differ_are_not_tied_even_when_their_fields_are_the_same():
    # a survey gate or a missing field makes two indicators count different returns
    shown, truth = releases()
    for cells, published in ((shown, True), (truth, False)):
        for cell in cells:
            if cell["indicator"] == OVER_CAP and cell["stratum"] == "province=AJK":
                cell["denominator"] = 161
            if cell["indicator"] == OVER_CAP and cell["stratum"] == "province=GB":
                cell["denominator"] = None if published else 39
    found = attack([shown], [truth], 5, 23, links=PROVINCES, sensitive_only=True)
    assert gilgit_mentors(found)[TRAINED] == (0, 200)  # no tie through Azad Kashmir


def test_the_protection_withholds_more_until_the_joint_attacker_is_answered():
    alone, truth = releases()
    protect_intervals(alone, truth, [], 5, 23, joint=False, links=PROVINCES)
    assert unprotected(attack([alone], [truth], 5, 23, links=PROVINCES, sensitive_only=True))
    together, truth = releases()
    report = protect_intervals(together, truth, [], 5, 23, links=PROVINCES)
    # one complement per failing indicator: the province it still publishes
    assert report == {"rates_withheld_for_intervals": 2, "figures_left_unprotected": 0}
    withheld = [(c["indicator"], c["stratum"]) for c in together
                if c["rate_withheld"] == "protects_a_withheld_rate"]
    assert withheld == [(TRAINED, "province=BA"), (OVER_CAP, "province=AJK")]
    found = attack([together], [truth], 5, 23, links=PROVINCES, sensitive_only=True)
    assert found and not unprotected(found)


def test_the_audit_counts_the_joint_attackers_findings_per_release():
    shown, truth = releases()
    release = AuditedRelease("1 provisional 2024", shown, truth)
    [together] = audit_releases([release], 5, 23, links=PROVINCES)
    [alone] = audit_releases([release], 5, 23, joint=False, links=PROVINCES)
    assert (together["primary"], together["secondary"], together["published"]) == (2, 2, 4)
    assert together["pinned"] >= 2 and together["unprotected"] >= 2
    assert together["smallest range"] == 0.0
    assert alone["unprotected"] == alone["pinned"] == 0
    assert "province=GB denominator 40 in [40, 40]" in table([together])
