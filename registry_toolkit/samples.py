"""Sample record sets: the published pilot, and realistic synthetic records of any size."""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from registry_toolkit.layout import MEETINGS, MENTEES, MENTORS, PAIRS, SURVEY_RESPONSES
from registry_toolkit.templates import write_facts
from schemas.examples import pilot_return

PILOT_NEEDS = {"research": 21, "memory": 19, "reading": 18, "time_management": 17}
PILOT_IMPROVED = {"research": 22, "memory": 17, "reading": 19, "time_management": 24}
NEED_SHARES = {"research": 0.6, "memory": 0.35, "reading": 0.4, "time_management": 0.55,
               "communication": 0.3, "career_planning": 0.45, "wellbeing": 0.35,
               "clinical_skills": 0.5, "exam_preparation": 0.6, "professionalism": 0.15,
               "other": 0.05}
SATISFACTION_WEIGHTS = (0.03, 0.07, 0.2, 0.4, 0.3)


@dataclass(frozen=True)
class SamplePeriod:
    """The reporting period a sample is written for: its code, first and last day."""

    code: str
    starts_on: date
    ends_on: date


PILOT_PERIOD = SamplePeriod("2020", date(2020, 1, 1), date(2020, 12, 31))


def academic_year(code: str) -> SamplePeriod:
    """The academic year a code such as 2025-26 names: 1 September to 31 August."""
    if not (len(code) >= 4 and code[:4].isdigit()):
        raise ValueError(f"{code!r} does not start with a year (an academic year is written "
                         "like 2025-26)")
    year = int(code[:4])
    return SamplePeriod(code, date(year, 9, 1), date(year + 1, 8, 31))


@contextmanager
def _writer(directory: Path, name: str, header: Iterable[str]) -> Iterator:
    with (directory / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        yield writer


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _facts(return_: dict, starts_on: date, ends_on: date, mentee_cap: int | None) -> dict:
    facts = {f"header.{key}": value for key, value in return_["header"].items()
             if key != "schema_version"}
    facts |= {"period.starts_on": starts_on, "period.ends_on": ends_on}
    facts |= {f"programme.{key}": value for key, value in return_["programme"].items()}
    facts["programme.start_date"] = date.fromisoformat(return_["programme"]["start_date"])
    facts |= {f"governance.{key}": value for key, value in return_["governance"].items()}
    capacity = return_["capacity"]
    facts |= {"capacity.training_sessions": capacity["training_sessions"],
              "capacity.training_hours": capacity["training_hours"]}
    if mentee_cap is not None:
        facts["matching.mentee_cap"] = mentee_cap
    evaluation = return_["evaluation"]
    facts |= {"evaluation.focus_groups_held": evaluation["focus_groups_held"],
              "evaluation.barriers": evaluation["barriers"]}
    return facts


def write_pilot(directory: Path, institution_code: str = "SD-MED-PVT-001",
                period: SamplePeriod = PILOT_PERIOD, programme_code: str = "PG-PEER") -> None:
    """Write the records of the published pilot: 52 Year-1 residents, 24 senior mentors.

    In another period than its own (2020), every date moves by as many days as the
    period's first day, so the figures stay the pilot's.
    """
    directory.mkdir(parents=True, exist_ok=True)
    shift = period.starts_on - PILOT_PERIOD.starts_on
    facts = _facts(pilot_return(institution_code, period.code, programme_code),
                   period.starts_on, period.ends_on, mentee_cap=2)
    facts["programme.start_date"] += shift
    write_facts(directory, facts)
    _pilot_people(directory, shift)
    _pilot_meetings(directory, shift)
    _pilot_surveys(directory)


def _moved(day: str, shift: timedelta) -> str:
    """A pilot date (YYYY-MM-DD, or blank) moved by shift."""
    return (date.fromisoformat(day) + shift).isoformat() if day else ""


def _pilot_people(directory: Path, shift: timedelta) -> None:
    with _writer(directory, "mentees.csv", ("mentee_id", "eligible", "enrolled", "enrolled_on",
                                            "disengaged")) as writer:
        for n in range(1, 53):
            writer.writerow([f"R{n:02d}", "yes", _yes(n <= 48),
                             _moved("2020-01-15", shift) if n <= 48 else "",
                             _yes(42 <= n <= 48)])
    with _writer(directory, "mentors.csv", ("mentor_id", "active", "trained",
                                            "training_sessions", "training_hours")) as writer:
        for n in range(1, 25):
            writer.writerow([f"S{n:02d}", "yes", "yes", 1, 7.5])
    rematch = {42: ("2020-06-01", "2020-06-16"), 43: ("2020-06-05", "2020-06-20"),
               44: ("2020-06-10", "2020-08-12")}
    with _writer(directory, "pairs.csv", PAIRS.names[:-1]) as writer:
        for n in range(1, 49):
            ended = (_moved("2020-06-30", shift), "unplanned") if n >= 42 else ("", "")
            requested, resolved = rematch.get(n, ("", ""))
            writer.writerow([f"P{n:02d}", f"S{(n - 1) // 2 + 1:02d}", f"R{n:02d}", "",
                             _moved("2020-01-15", shift), *ended, _moved(requested, shift),
                             _moved(resolved, shift)])


def _pilot_meetings(directory: Path, shift: timedelta) -> None:
    """288 planned meetings (6 per pair), 233 held: 196 in person, 31 online, 6 group."""
    modes = ["in_person"] * 196 + ["online"] * 31 + ["group"] * 6
    held = 0
    with _writer(directory, "meetings.csv", MEETINGS.names) as writer:
        for index in range(288):
            pair, visit = divmod(index, 6)
            day = date(2020, 2, 5) + shift + timedelta(weeks=3 * visit)
            missed = (index * 7) % 288 < 55
            mode = "in_person" if missed else modes[held]
            minutes = "" if missed else (90 if held < 37 else 60)
            held += not missed
            writer.writerow([f"P{pair + 1:02d}", day.isoformat(), mode, minutes, "yes",
                             _yes(not missed)])


def _pilot_surveys(directory: Path) -> None:
    header = ("respondent_id", "survey", "responded", "satisfaction", "trusts_confidentiality",
              *(f"need_{area}" for area in PILOT_NEEDS),
              *(f"improved_{area}" for area in PILOT_IMPROVED))
    with _writer(directory, "survey_responses.csv", header) as writer:
        writer.writerows(_pilot_needs_rows())
        writer.writerows(_pilot_evaluation_rows("mentee", "R", 48, 36, (1, 3, 7, 15, 10), 27))
        writer.writerows(_pilot_evaluation_rows("mentor", "S", 24, 20, (0, 1, 4, 10, 5), 0))


def _pilot_needs_rows() -> Iterator[list[str]]:
    blank_evaluation = [""] * (2 + len(PILOT_IMPROVED))
    for n in range(1, 53):
        k = n - 1
        needs = [_yes((k + 6 * i) % 33 < count) if n <= 33 else ""
                 for i, count in enumerate(PILOT_NEEDS.values())]
        yield [f"R{n:02d}", "needs", _yes(n <= 33), *blank_evaluation[:2], *needs,
               *blank_evaluation[2:]]


def _pilot_evaluation_rows(survey: str, prefix: str, invited: int, responded: int,
                           ratings: tuple[int, ...], trusting: int) -> Iterator[list[str]]:
    scores = [point for point, count in enumerate(ratings, start=1) for _ in range(count)]
    for n in range(1, invited + 1):
        k = n - 1
        answered = n <= responded
        trust = _yes(k < trusting) if answered and survey == "mentee" else ""
        improved = [_yes((k + 5 * i) % 36 < count) if answered and survey == "mentee" else ""
                    for i, count in enumerate(PILOT_IMPROVED.values())]
        yield [f"{prefix}{n:02d}", survey, _yes(answered), scores[k] if answered else "",
               trust, *[""] * len(PILOT_NEEDS), *improved]


@dataclass(frozen=True)
class SampleSize:
    """How big a synthetic record set to write."""

    eligible: int = 120
    meetings: int | None = None
    mentees_per_mentor: float = 2.5


def write_sample(directory: Path, seed: int = 1, size: SampleSize | None = None,
                 institution_code: str = "KP-MED-PUB-001",
                 sample_period: SamplePeriod | None = None,
                 programme_code: str = "PG-RESIDENT") -> None:
    """Write a realistic record set for one postgraduate programme and period (by default
    the academic year 2025-26)."""
    size = size or SampleSize()
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    sample_period = sample_period or academic_year("2025-26")
    period = (sample_period.starts_on, sample_period.ends_on)
    cohort = _cohort(rng, size, period)
    facts = _facts(pilot_return(institution_code, sample_period.code, programme_code), *period,
                   mentee_cap=3)
    facts["programme.name"] = "Senior-to-junior resident mentoring"
    facts["programme.start_date"] = date(2021, 9, 1)
    write_facts(directory, facts)
    _write_cohort(directory, cohort)
    _write_meetings(directory, rng, cohort, size, period)
    _write_surveys(directory, rng, cohort)


@dataclass
class Cohort:
    """The synthetic people and pairs (pseudonymous ids only)."""

    mentees: list[tuple[str, bool, date | None, bool]]
    mentors: list[tuple[str, bool, bool]]
    pairs: list[tuple[str, str, str, date, date | None, str, date | None, date | None]]


def _cohort(rng: random.Random, size: SampleSize, period: tuple[date, date]) -> Cohort:
    start = period[0]
    enrolled = [rng.random() < 0.85 for _ in range(size.eligible)]
    mentors = max(1, math.ceil(sum(enrolled) / size.mentees_per_mentor))
    mentor_ids = [f"MT-{n:05d}" for n in range(1, mentors + 1)]
    mentees, pairs = [], []
    for n, is_enrolled in enumerate(enrolled, start=1):
        mentee_id = f"ME-{n:05d}"
        if not is_enrolled:
            mentees.append((mentee_id, False, None, False))
            continue
        formed = start - timedelta(days=rng.randint(30, 300)) if rng.random() < 0.3 else (
            start + timedelta(days=rng.randint(0, 60)))
        pair = _pair(rng, f"PR-{n:05d}", rng.choice(mentor_ids), mentee_id, formed, period)
        pairs.append(pair)
        mentees.append((mentee_id, True, formed, pair[5] == "unplanned" and rng.random() < 0.7))
    team = [(mentor, rng.random() < 0.85, n <= mentors) for n, mentor in
            enumerate([*mentor_ids, "MT-90001", "MT-90002"], start=1)]
    return Cohort(mentees, team, pairs)


def _pair(rng: random.Random, pair_id: str, mentor: str, mentee: str, formed: date,
          period: tuple[date, date]) -> tuple:
    start, end = period
    ended, reason = None, ""
    draw = rng.random()
    if draw < 0.1:
        ended = max(formed + timedelta(days=rng.randint(60, 240)), start + timedelta(days=30))
        reason = "unplanned"
    elif draw < 0.25:
        ended, reason = end - timedelta(days=rng.randint(1, 45)), "planned"
    requested = resolved = None
    if rng.random() < 0.05:
        requested = formed + timedelta(days=rng.randint(20, 120))
        resolved = requested + timedelta(days=rng.randint(5, 60)) if rng.random() < 0.8 else None
    return (pair_id, mentor, mentee, formed, ended, reason, requested, resolved)


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _write_cohort(directory: Path, cohort: Cohort) -> None:
    written = MENTEES.names[:MENTEES.names.index("group_id")]  # no groups, no cohort columns
    with _writer(directory, "mentees.csv", written) as writer:
        for mentee_id, enrolled, formed, disengaged in cohort.mentees:
            writer.writerow([mentee_id, "yes", _yes(enrolled), _iso(formed), _yes(disengaged)])
    with _writer(directory, "mentors.csv", MENTORS.names) as writer:
        for mentor_id, trained, paired in cohort.mentors:
            writer.writerow([mentor_id, "" if paired else "no", _yes(trained),
                             1 if trained else 0, 7 if trained else 0, ""])
    with _writer(directory, "pairs.csv", PAIRS.names[:-1]) as writer:
        for pair_id, mentor, mentee, formed, ended, reason, requested, resolved in cohort.pairs:
            writer.writerow([pair_id, mentor, mentee, "", _iso(formed), _iso(ended), reason,
                             _iso(requested), _iso(resolved)])


def _write_meetings(directory: Path, rng: random.Random, cohort: Cohort, size: SampleSize,
                    period: tuple[date, date]) -> None:
    pairs = cohort.pairs
    total = size.meetings if size.meetings is not None else 8 * len(pairs)
    base, extra = divmod(total, max(len(pairs), 1))
    with _writer(directory, "meetings.csv", MEETINGS.names) as writer:
        for index, pair in enumerate(pairs):
            writer.writerows(_pair_meetings(rng, pair, base + (index < extra), period))


def _pair_meetings(rng: random.Random, pair: tuple, count: int,
                   period: tuple[date, date]) -> Iterator[list]:
    first = max(pair[3], period[0])
    last = min(pair[4] or period[1], period[1])
    span = max((last - first).days, 1)
    for _ in range(count):
        held = rng.random() < 0.82
        mode = rng.choices(("in_person", "online", "group"), (0.7, 0.25, 0.05))[0]
        day = first + timedelta(days=rng.randrange(span))
        yield [pair[0], day.isoformat(), mode, rng.choice((30, 45, 60, 60, 90)) if held else "",
               "yes", _yes(held)]


def _write_surveys(directory: Path, rng: random.Random, cohort: Cohort) -> None:
    with _writer(directory, "survey_responses.csv", SURVEY_RESPONSES.names) as writer:
        for mentee_id, *_ in cohort.mentees:
            writer.writerow(_needs_row(rng, mentee_id))
        for mentee_id, enrolled, *_ in cohort.mentees:
            if enrolled:
                writer.writerow(_evaluation_row(rng, mentee_id, "mentee", 0.7))
        for mentor_id, _, paired in cohort.mentors:
            if paired:
                writer.writerow(_evaluation_row(rng, mentor_id, "mentor", 0.8))


def _needs_row(rng: random.Random, person: str) -> list[str]:
    responded = rng.random() < 0.65
    needs = [_yes(rng.random() < share) if responded else "" for share in NEED_SHARES.values()]
    return [person, "needs", _yes(responded), "", "", *needs, *[""] * len(NEED_SHARES)]


def _evaluation_row(rng: random.Random, person: str, survey: str, rate: float) -> list:
    responded = rng.random() < rate
    rating = rng.choices(range(1, 6), SATISFACTION_WEIGHTS)[0] if responded else ""
    mentee = responded and survey == "mentee"
    trust = _yes(rng.random() < 0.8) if mentee else ""
    improved = [_yes(rng.random() < 0.6) if mentee and area in PILOT_IMPROVED else ""
                for area in NEED_SHARES]
    return [person, survey, _yes(responded), rating, trust, *[""] * len(NEED_SHARES), *improved]
