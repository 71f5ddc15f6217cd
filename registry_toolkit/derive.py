"""Derive the return's figures from what the record files said."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from registry_toolkit.facts import Facts
from registry_toolkit.records import Mentees, Mentors, Pairs, Period
from registry_toolkit.sources import Columns
from registry_toolkit.streams import MeetingTally, SurveyTally
from schemas.codes import NeedArea, SatisfactionPoint

Figures = dict[str, tuple[Any, str]]
NA = "not_applicable"


@dataclass
class Records:
    """Everything read from the record files (None: the file is absent or unreadable)."""

    mentees: Mentees | None = None
    mentors: Mentors | None = None
    pairs: Pairs | None = None
    meetings: MeetingTally | None = None
    surveys: SurveyTally | None = None
    files: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, list[str]] = field(default_factory=dict)
    ignored: dict[str, list[str]] = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)  # stems; their problem is logged
    named_ids: set[str] = field(default_factory=set)  # stems whose people's ids were names

    def note_file(self, label: str, rows: int, columns: Columns) -> None:
        """Remember a file's row count and the columns dropped or ignored in it."""
        self.files[label] = rows
        if columns.dropped:
            self.dropped[label] = list(columns.dropped)
        if columns.extras:
            self.ignored[label] = list(columns.extras)

    def label(self, stem: str) -> str:
        """Return the file name read for stem (e.g. meetings.xlsx)."""
        return next((name for name in self.files if name.rsplit(".", 1)[0] == stem),
                    f"{stem}.csv")


def derive(records: Records, facts: Facts, period: Period) -> tuple[Figures, list[str],
                                                                     list[str]]:
    """Return the figures the records give, with consistency warnings and reading notes."""
    figures: Figures = {}
    _needs(figures, records, facts)
    _capacity(figures, records)
    _activity(figures, records, facts)
    _evaluation(figures, records, facts)
    return figures, consistency_warnings(records, facts), reading_notes(records)


def _put(figures: Figures, source: str, prefix: str, values: dict[str, Any]) -> None:
    for name, value in values.items():
        figures[f"{prefix}.{name}"] = (value, source)


def _needs(figures: Figures, records: Records, facts: Facts) -> None:
    surveys = records.surveys
    conducted = facts.get("needs_assessment.conducted")
    if surveys is not None and (surveys.invited["needs"] or conducted is None):
        conducted = surveys.invited["needs"] > 0
        figures["needs_assessment.conducted"] = (conducted, records.label("survey_responses"))
    if conducted is False:
        areas = {f"need_areas.{area}": NA for area in NeedArea}
        _put(figures, "needs survey not conducted", "needs_assessment",
             {"invited": NA, "responded": NA, **areas})
    elif surveys is not None and surveys.invited["needs"]:
        _put(figures, records.label("survey_responses"), "needs_assessment",
             {"invited": surveys.invited["needs"], "responded": surveys.responded["needs"],
              **_need_areas(surveys)})


def _need_areas(surveys: SurveyTally) -> dict[str, int]:
    areas = {}
    for area in NeedArea:
        column = f"need_{area}"
        if surveys.answered(column, "needs"):
            areas[f"need_areas.{area}"] = surveys.answered(column, "needs", True)
    return areas


def _capacity(figures: Figures, records: Records) -> None:
    mentees, pairs = records.mentees, records.pairs
    if mentees is not None:
        _put(figures, records.label("mentees"), "capacity",
             {"eligible_mentees": mentees.eligible, "enrolled_mentees": mentees.enrolled})
    elif pairs is not None and not pairs.groups:
        figures["capacity.enrolled_mentees"] = (len(pairs.mentees),
                                                f"{records.label('pairs')} (mentees in pairs)")
    active = active_mentors(records)
    if active is not None:
        source = records.label("mentors" if records.mentors else "pairs")
        figures["capacity.active_mentors"] = (len(active), source)
    if records.mentors is not None and active is not None:
        figures["capacity.mentors_trained"] = (len(active & records.mentors.trained),
                                               records.label("mentors"))


def mentors_in_pairs(pairs: Pairs) -> set[str]:
    """Return the mentors with a pair or group in the period."""
    return set(pairs.mentor_mentees) | set(pairs.mentor_groups)


def inactive_mentors_with_pairs(records: Records) -> list[str]:
    """Return the mentors marked inactive (active = no) who have a pair in the period."""
    if records.mentors is None or records.pairs is None:
        return []
    paired = mentors_in_pairs(records.pairs)
    return [mentor for mentor, flag in records.mentors.active.items()
            if flag is False and mentor in paired]


def active_mentors(records: Records) -> set[str] | None:
    """Return the active mentors: marked active, or (when blank) with a pair in the period."""
    paired = mentors_in_pairs(records.pairs) if records.pairs else None
    if records.mentors is None:
        return paired
    active = set()
    for mentor, flag in records.mentors.active.items():
        if flag is None and paired is None:
            return None
        if flag or (flag is None and mentor in paired):
            active.add(mentor)
    return active


def _activity(figures: Figures, records: Records, facts: Facts) -> None:
    pairs, meetings = records.pairs, records.meetings
    if pairs is not None:
        _pair_figures(figures, records.label("pairs"), pairs)
        over = mentors_over_cap(records, facts.get("matching.mentee_cap"))
        figures["activity.mentors_over_cap"] = (over, records.label("pairs"))
    if meetings is not None:
        _meeting_figures(figures, records.label("meetings"), meetings)
    if pairs is not None and pairs.has_planned and not (meetings and meetings.has_planned):
        figures["activity.meetings_planned"] = (pairs.meetings_planned, records.label("pairs"))
    if records.mentees is not None and records.mentees.has_disengaged:
        figures["activity.mentees_disengaged"] = (records.mentees.disengaged,
                                                  records.label("mentees"))


def _pair_figures(figures: Figures, source: str, pairs: Pairs) -> None:
    values = {"pairs_formed": pairs.formed, "active_pairs_start": pairs.active_start,
              "active_pairs_end": pairs.active_end, "unplanned_endings": pairs.unplanned_endings}
    if pairs.has_rematch:
        values |= {"rematch_requests": pairs.rematch_requests,
                   "rematch_resolved_30d": pairs.rematch_resolved_30d}
    _put(figures, source, "activity", values)


def _meeting_figures(figures: Figures, source: str, meetings: MeetingTally) -> None:
    held = {f"meetings_held.{mode}": meetings.held[mode]
            for mode in ("in_person", "online", "group")}
    if meetings.has_planned:
        held["meetings_planned"] = meetings.planned
    if meetings.has_minutes:
        held["contact_hours"] = round(meetings.minutes / 60, 2)
    _put(figures, source, "activity", held)


def mentors_over_cap(records: Records, programme_cap: int | None) -> int | str:
    """Count mentors whose mentees in the period exceed their cap (not_applicable: no cap)."""
    pairs = records.pairs
    caps = records.mentors.caps if records.mentors else {}
    if programme_cap is None and not caps:
        return NA
    sizes = records.mentees.group_sizes if records.mentees else {}
    over = 0
    for mentor in mentors_in_pairs(pairs):
        cap = caps.get(mentor, programme_cap)
        load = len(pairs.mentor_mentees.get(mentor, ())) + sum(
            sizes.get(group, 1) for group in pairs.mentor_groups.get(mentor, ()))
        over += cap is not None and load > cap
    return over


def _evaluation(figures: Figures, records: Records, facts: Facts) -> None:
    surveys = records.surveys
    if surveys is None:
        return
    source = records.label("survey_responses")
    for survey in ("mentee", "mentor"):
        _survey(figures, source, surveys, survey)
    _trust(figures, source, surveys)
    _improvement(figures, source, surveys)
    if facts.get("evaluation.evaluation_done") is None:
        focus = facts.get("evaluation.focus_groups_held")
        done = surveys.invited["mentee"] or surveys.invited["mentor"] or (
            isinstance(focus, int) and focus > 0)
        figures["evaluation.evaluation_done"] = (bool(done), source)


def _trust(figures: Figures, source: str, surveys: SurveyTally) -> None:
    path = "evaluation.mentee_confidentiality_trust"
    if not surveys.invited["mentee"]:
        figures[path] = (NA, "no mentee survey")
    elif surveys.answered("trusts_confidentiality", "mentee") or not surveys.responded["mentee"]:
        figures[path] = (surveys.answered("trusts_confidentiality", "mentee", True), source)


def _survey(figures: Figures, source: str, surveys: SurveyTally, survey: str) -> None:
    prefix = f"evaluation.{survey}_survey"
    points = [point.value for point in SatisfactionPoint]
    if not surveys.invited[survey]:
        _put(figures, f"no {survey} survey", prefix,
             {"invited": NA, "responded": NA, **{f"satisfaction.{p}": NA for p in points}})
        return
    values: dict[str, Any] = {"invited": surveys.invited[survey],
                              "responded": surveys.responded[survey]}
    if surveys.answered("satisfaction", survey) or not surveys.responded[survey]:
        values |= {f"satisfaction.{p}": surveys.answered("satisfaction", survey, int(p))
                   for p in points}
    _put(figures, source, prefix, values)


def _improvement(figures: Figures, source: str, surveys: SurveyTally) -> None:
    for area in NeedArea:
        column = f"improved_{area}"
        asked = surveys.answered(column, "mentee")
        if asked:
            _put(figures, source, f"evaluation.perceived_improvement.{area}",
                 {"asked": asked, "improved": surveys.answered(column, "mentee", True)})


def consistency_warnings(records: Records, facts: Facts) -> list[str]:
    """Return disagreements between the files worth checking before sending."""
    warnings = _training_warnings(records, facts)
    mentees, pairs = records.mentees, records.pairs
    if mentees is not None and pairs is not None:
        unpaired = len(mentees.enrolled_ids - pairs.mentees)
        not_enrolled = len(pairs.mentees - mentees.enrolled_ids)
        if unpaired and not pairs.groups:
            warnings.append(f"{unpaired} enrolled mentee(s) have no pair in the period")
        if not_enrolled:
            warnings.append(f"{not_enrolled} mentee(s) paired in the period are not marked "
                            "enrolled in the mentees file")
    if records.mentors is not None and pairs is not None:
        idle = {m for m, flag in records.mentors.active.items() if flag} - mentors_in_pairs(pairs)
        if idle:
            warnings.append(f"{len(idle)} mentor(s) marked active have no pair in the period")
    return warnings


def _training_warnings(records: Records, facts: Facts) -> list[str]:
    held = facts.get("capacity.training_hours")
    attended = records.mentors.most_training_hours if records.mentors else 0
    if isinstance(held, int | float) and attended > held:
        return [f"a mentor attended {attended:g} hours of training but the programme facts "
                f"say {held:g} hours were held in the period"]
    return []


def reading_notes(records: Records) -> list[str]:
    """Return what the toolkit left out while reading, so nothing is silently lost."""
    notes = []
    for label, names in records.dropped.items():
        notes.append(f"{label}: dropped identifying column(s) {', '.join(names)}")
    for label, names in records.ignored.items():
        notes.append(f"{label}: ignored column(s) not in the layout: {', '.join(names)}")
    meetings = records.meetings
    if meetings is not None and meetings.outside_period:
        notes.append(f"{meetings.outside_period} meeting(s) dated outside the period were "
                     "ignored")
    if meetings is not None and meetings.held_without_minutes:
        notes.append(f"{meetings.held_without_minutes} meeting(s) held have no minutes; "
                     "contact hours count logged minutes only")
    if records.mentees is not None and records.mentees.enrolled_after_period:
        notes.append(f"{records.mentees.enrolled_after_period} mentee(s) enrolled after the "
                     "period ends were not counted as enrolled")
    return notes
