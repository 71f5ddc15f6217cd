"""A university's colleges side by side: stored values, references, sorting, CSV, access."""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest

from registry.models import BenchmarkCell, Release, ReleasePublication
from registry.services.releases.institution_figures import institution_results
from registry.web.benchmarks import indicator_value
from tests.factories import add_institution_results, make_institution, make_period
from tests.registry.benchmark_data import add_return, payload_with
from tests.registry.web.conftest import log_in_as

URL = "/university/side-by-side"
HEADLINE = ("coverage", "trained_mentor_rate", "meeting_completion", "compliance_index")
# (numerator, denominator) per college and headline indicator; None: no stored row.
# College B's coverage rests on 20 people (< 23): stored, but never published here.
FIGURES = {
    "A": {"coverage": (40, 50), "trained_mentor_rate": (15, 25),
          "meeting_completion": (90, 100), "compliance_index": (9, 12)},
    "B": {"coverage": (11, 20), "trained_mentor_rate": (27, 30),
          "meeting_completion": (120, 100), "compliance_index": (7, 12)},
    "C": {"coverage": (35, 40), "trained_mentor_rate": "not_collected",
          "meeting_completion": (60, 100), "compliance_index": None},
}
NATIONAL = {"coverage": ("none", 0.65), "trained_mentor_rate": ("primary", None),
            "meeting_completion": ("none", 1.05), "compliance_index": ("none", 0.7)}


@dataclass
class World:
    colleges: dict  # letter → Institution of KMU
    other: object  # a DUHS college with its own results
    period: object
    release: Release


def add_release(session, period, min_people: int = 23) -> Release:
    release = Release(
        number=900 + session.query(Release).count(), period_id=period.id, kind="final",
        acceptance_level="validated", min_institutions=5, min_people=min_people,
        method_version="1", catalogue_version="1", suite_version="test",
        pipeline_run_id=f"side:{uuid.uuid4()}", built_by="test", checksum_sha256="0" * 64,
        json_sha256="1" * 64, sdmx_sha256="2" * 64, export_csv="", export_json="{}",
        export_sdmx_csv="", method_notes="", provenance={"return_version_ids": []})
    session.add(release)
    session.flush()
    session.add(ReleasePublication(release_id=release.id, published_by="test"))
    return release


def result(institution, indicator, figure) -> list[dict]:
    """The stored row of a figure: (numerator, denominator), a missing reason, or none."""
    if figure is None:
        return []
    if isinstance(figure, str):
        row = dict(value=None, numerator=None, denominator=None, missing_reason=figure)
    else:
        row = dict(value=figure[0] / figure[1], numerator=figure[0], denominator=figure[1])
    return [dict(institution_id=institution.id, indicator=indicator, returns=1,
                 peer_institutions=6, **row)]


@pytest.fixture
def world(session, college, other_college, period) -> World:
    """Three KMU colleges and one DUHS college with stored results in a published release."""
    colleges = {"A": college,
                "B": make_institution(session, code="KP-MED-PUB-901", name="Bannu Side College"),
                "C": make_institution(session, code="KP-MED-PUB-902", name="Chitral Side College")}
    release = add_release(session, period)
    rows = [row for letter, figures in FIGURES.items()
            for indicator, figure in figures.items()
            for row in result(colleges[letter], indicator, figure)]
    rows += [row for indicator in HEADLINE for row in result(other_college, indicator, (3, 4))]
    add_institution_results(session, release.id, rows)
    for indicator in HEADLINE:
        suppression, median = NATIONAL[indicator]
        session.add(BenchmarkCell(release_id=release.id, indicator=indicator,
                                  stratum="national", institutions=40, median=median,
                                  suppression=suppression))
    add_return(session, college, period, payload_with(college, period, "undergraduate"),
               status="approved")
    session.flush()
    return World(colleges, other_college, period, release)


class Rows(HTMLParser):
    """The text of every table row, cell by cell."""

    def __init__(self):
        super().__init__()
        self.rows, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_rows(page: str) -> list[list[str]]:
    parser = Rows()
    parser.feed(page)
    return parser.rows[1:]


def row_of(page: str, label: str) -> list[str]:
    return next(r for r in table_rows(page) if r[0].startswith(label))


def shown(figure, indicator: str) -> str:
    return indicator_value(figure[0] / figure[1], indicator)


def csv_rows(response) -> list[dict]:
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_page_shows_each_college_stored_values(as_university, world):
    page = as_university.get(URL).get_data(as_text=True)
    cells = row_of(page, world.colleges["A"].name)[2:]
    assert cells == [shown(FIGURES["A"][i], i) for i in HEADLINE]


def test_missing_values_show_their_reason(as_university, world):
    page = as_university.get(URL).get_data(as_text=True)
    cells = row_of(page, world.colleges["C"].name)[2:]
    assert cells[1] == "missing (not collected)"
    assert cells[3] == "missing (no counted return)"


def test_rate_on_too_few_people_is_not_published_with_a_footnote(as_university, world):
    page = as_university.get(URL).get_data(as_text=True)
    assert row_of(page, world.colleges["B"].name)[2] == "not published [1]"
    assert shown(FIGURES["B"]["coverage"], "coverage") not in page
    assert re.search(r'id="note-not-published">Not published: a rate whose denominator counts '
                     r"fewer than\s+23 people", page)


def test_university_reference_rows_use_published_college_values(as_university, world):
    page = as_university.get(URL).get_data(as_text=True)
    assert row_of(page, "University median")[1] == indicator_value((0.8 + 0.875) / 2, "coverage")
    assert row_of(page, "University pooled rate")[1] == indicator_value(75 / 90, "coverage")


def test_national_median_comes_from_the_release_and_marks_suppression(as_university, world):
    page = as_university.get(URL).get_data(as_text=True)
    national = row_of(page, "National median")[1:]
    assert national == [indicator_value(0.65, "coverage"), "suppressed [2]",
                        indicator_value(1.05, "meeting_completion"),
                        indicator_value(0.7, "compliance_index")]


def test_each_college_shows_its_return_status_and_links_to_its_comparison(as_university,
                                                                            world):
    page = as_university.get(URL).get_data(as_text=True)
    assert (row_of(page, world.colleges["A"].name)[1]
            == "Accepted 1 of 1 expected Approved by university 1")
    assert (f'href="/college/comparison?institution={world.colleges["A"].code}'
            f'&amp;period={world.period.code}"') in page


def test_another_universitys_colleges_never_appear(as_university, world):
    page = as_university.get(URL).get_data(as_text=True)
    assert world.other.code not in page and world.other.name not in page
    assert len(table_rows(page)) == 3 + 3


def test_university_asking_for_another_university_is_refused(as_university, world):
    response = as_university.get(f"{URL}?university=DUHS")
    assert response.status_code == 403
    assert world.other.code not in response.get_data(as_text=True)


def test_regulator_sees_the_university_it_chooses(client, session, world):
    log_in_as(client, session, "regulator")
    page = client.get(f"{URL}?university=DUHS").get_data(as_text=True)
    assert world.other.code in page
    assert world.colleges["A"].code not in page


def test_regulator_is_asked_to_choose_a_university(client, session, world):
    log_in_as(client, session, "regulator")
    page = client.get(URL).get_data(as_text=True)
    assert "Choose a university to see its affiliated colleges" in page


def test_unknown_university_shows_a_message(client, session, world):
    log_in_as(client, session, "regulator")
    response = client.get(f"{URL}?university=NOPE")
    assert response.status_code == 404
    assert "There is no university with code &#39;NOPE&#39;" in response.get_data(as_text=True)


def test_college_user_is_refused(as_college, world):
    assert as_college.get(URL).status_code == 403


def test_anonymous_visitor_is_sent_to_log_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def college_order(page: str) -> list[str]:
    return [r[0].split(" (")[0] for r in table_rows(page)[:3]]


def test_sorting_by_an_indicator_puts_unpublished_values_last(as_university, world):
    names = {c.name: letter for letter, c in world.colleges.items()}
    page = as_university.get(f"{URL}?sort=coverage").get_data(as_text=True)
    assert [names[n] for n in college_order(page)] == ["A", "C", "B"]


def test_sorting_descending_reverses_the_published_values(as_university, world):
    names = {c.name: letter for letter, c in world.colleges.items()}
    page = as_university.get(f"{URL}?sort=coverage&order=desc").get_data(as_text=True)
    assert [names[n] for n in college_order(page)] == ["C", "A", "B"]
    assert 'aria-sort="descending"' in page


def test_sorting_by_college_orders_by_name(as_university, world):
    page = as_university.get(f"{URL}?sort=college&order=desc").get_data(as_text=True)
    assert college_order(page) == sorted((c.name for c in world.colleges.values()),
                                         reverse=True)


def test_csv_export_holds_the_stored_values(as_university, world):
    rows = {r["institution"]: r for r in csv_rows(as_university.get(f"{URL}?format=csv"))}
    a = rows[world.colleges["A"].code]
    assert float(a["coverage (percent)"]) == pytest.approx(80.0)
    assert float(a["meeting_completion (meetings held per planned)"]) == pytest.approx(0.9)
    assert a["return_state"] == "done"


def test_csv_export_leaves_unpublished_values_out(as_university, world):
    rows = {r["institution"]: r for r in csv_rows(as_university.get(f"{URL}?format=csv"))}
    b = rows[world.colleges["B"].code]
    assert b["coverage (percent)"] == ""
    assert b["coverage note"] == "not published: fewer people than minimum"


def test_csv_export_has_the_reference_rows(as_university, world):
    rows = {r["row"]: r for r in csv_rows(as_university.get(f"{URL}?format=csv"))}
    assert float(rows["national_median"]["coverage (percent)"]) == pytest.approx(65.0)
    assert rows["national_median"]["trained_mentor_rate note"] == \
        "suppressed: primary suppression"


def test_csv_export_follows_the_chosen_sort(as_university, world):
    rows = csv_rows(as_university.get(f"{URL}?format=csv&sort=coverage&order=desc"))
    codes = {c.code: letter for letter, c in world.colleges.items()}
    assert [codes[r["institution"]] for r in rows if r["row"] == "college"] == ["C", "A", "B"]


def test_csv_export_defuses_spreadsheet_formulas(as_university, session, world):
    make_institution(session, code="KP-EVIL-1", name='=HYPERLINK("http://x")')
    rows = {r["institution"]: r for r in csv_rows(as_university.get(f"{URL}?format=csv"))}
    assert rows["KP-EVIL-1"]["name"] == '\'=HYPERLINK("http://x")'


def test_period_without_a_release_says_so(as_university, session, world):
    make_period(session, "2026")
    page = as_university.get(f"{URL}?period=2026").get_data(as_text=True)
    assert "No benchmark release has been published for period 2026 yet" in page
    assert row_of(page, world.colleges["A"].name)[1] == "Nothing received 0 of 1 expected"


def test_unknown_period_shows_a_message(as_university, world):
    response = as_university.get(f"{URL}?period=1999")
    assert response.status_code == 404
    assert "There is no reporting period &#39;1999&#39;" in response.get_data(as_text=True)


def test_newest_period_with_a_release_is_chosen_by_default(as_university, session, world):
    make_period(session, "2026")
    page = as_university.get(URL).get_data(as_text=True)
    assert f"period {world.period.code}</h1>" in page


def test_university_dashboard_links_to_the_page(as_university, world):
    page = as_university.get("/university").get_data(as_text=True)
    assert f'href="{URL}">Colleges side by side</a>' in page


def test_values_of_a_built_release_reach_the_page(client, session, published_release):
    release, colleges = published_release
    log_in_as(client, session, "regulator")
    page = client.get(f"{URL}?university=KMU&period={release.period.code}").get_data(
        as_text=True)
    [stored] = institution_results(session, release.id, colleges[0].id, ["coverage"])
    assert row_of(page, colleges[0].name)[2] == indicator_value(stored.value, "coverage")
