"""Languages of the pages: the choice of language, the Urdu catalogue, right-to-left, formats."""

from __future__ import annotations

import re
from datetime import date, datetime
from html import unescape
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from registry.config import LANGUAGE_FONTS
from registry.web.i18n import left_to_right, long_date, long_datetime, number, signed
from registry.web.navigation import ROLE_PAGES

REGISTRY = Path(__file__).parents[3] / "registry"
URDU_PO = REGISTRY / "translations" / "ur" / "LC_MESSAGES" / "messages.po"
URDU_MO = URDU_PO.with_suffix(".mo")
# The templates of the navigation and the public pages, all translated to Urdu.
PUBLIC_TEMPLATES = ("base.html", "index.html", "programmes.html", "programme.html", "_pager.html",
                    "_register_filters.html", "benchmarks/catalogue.html",
                    "benchmarks/explorer.html", "standard.html", "errors/403.html",
                    "not_found.html", "login.html", "benchmarks/cohorts.html",
                    "benchmarks/_cohort_table.html", "publication/calendar.html")
PUBLIC_PAGES = ("/", "/programmes", "/indicators", "/benchmarks", "/standard", "/no/such/page")


@pytest.fixture
def bilingual_app(app):
    app.config["LANGUAGES"] = ("en", "ur")
    return app


@pytest.fixture
def bilingual(bilingual_app):
    return bilingual_app.test_client()


@pytest.fixture(scope="module")
def urdu_catalogue():
    with URDU_PO.open("rb") as po:
        return read_po(po)


def public_nav(html: str) -> str:
    return re.search(r'<nav aria-label="[^"]*">.*?</nav>', html, re.S).group(0)


def link_texts(nav: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", text).strip()
            for text in re.findall(r"<a [^>]*>(.*?)</a>", nav, re.S)]


def urdu_string(catalogue, message_id: str, context: str | None = None) -> str:
    message = catalogue.get(message_id, context=context)
    assert message is not None, f"{message_id!r} is not in the Urdu catalogue"
    assert not message.fuzzy, f"{message_id!r} has a fuzzy Urdu translation"
    return message.string if isinstance(message.string, str) else message.string[0]


def entries(catalogue) -> dict:
    """(context, message) → translation(s), the same whether read from a .po or a .mo."""
    def text(value):
        return value.decode() if isinstance(value, bytes) else value

    return {(text(m.context), m.id if isinstance(m.id, str) else tuple(m.id)):
            m.string if isinstance(m.string, str) else tuple(m.string)
            for m in catalogue if m.id and m.string}


def test_english_is_the_default_without_a_choice(bilingual):
    html = bilingual.get("/").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html
    assert link_texts(public_nav(html))[:7] == [
        "Programmes", "Indicators", "Benchmarks", "Cohorts", "Release calendar",
        "Data standard", "Open data & API"]


def test_accept_language_urdu_renders_the_front_page_right_to_left(bilingual, urdu_catalogue):
    html = bilingual.get("/", headers={"Accept-Language": "ur-PK, en;q=0.5"}).get_data(
        as_text=True)
    assert '<html lang="ur" dir="rtl">' in html
    assert link_texts(public_nav(html))[:7] == [
        urdu_string(urdu_catalogue, label) for label in
        ("Programmes", "Indicators", "Benchmarks", "Cohorts", "Release calendar",
         "Data standard", "Open data & API")]
    assert "Mentoring in Pakistan" not in html


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_public_page_answers_in_urdu_right_to_left(bilingual, path):
    response = bilingual.get(path, headers={"Accept-Language": "ur"})
    assert response.status_code in (200, 404)
    assert '<html lang="ur" dir="rtl">' in response.get_data(as_text=True)


def test_the_switch_choice_outranks_accept_language(bilingual):
    response = bilingual.post("/language", data={"language": "ur", "next": "/programmes?q=x"})
    assert response.status_code == 302 and response.headers["Location"] == "/programmes?q=x"
    html = bilingual.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ur" dir="rtl">' in html


def test_the_switch_offers_the_other_enabled_language_by_its_own_name(bilingual):
    english = bilingual.get("/").get_data(as_text=True)
    assert 'name="language" value="ur" lang="ur">اردو</button>' in english
    bilingual.post("/language", data={"language": "ur", "next": "/"})
    urdu = bilingual.get("/").get_data(as_text=True)
    assert 'name="language" value="en" lang="en">English</button>' in urdu


@pytest.mark.parametrize("target", ["https://elsewhere.example/", "//elsewhere.example/",
                                    "/\\elsewhere.example/", "x", ""])
def test_the_switch_returns_only_to_a_page_of_the_registry(bilingual, target):
    response = bilingual.post("/language", data={"language": "en", "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_the_switch_refuses_a_language_that_is_not_enabled(client):
    response = client.post("/language", data={"language": "ur", "next": "/"})
    assert response.status_code == 400
    assert "Choose one of: en." in response.get_data(as_text=True)


def test_a_language_not_enabled_is_never_chosen_from_the_browser(client):
    html = client.get("/", headers={"Accept-Language": "ur"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html
    assert 'name="language"' not in html


def test_every_navigation_label_has_an_urdu_translation(bilingual, urdu_catalogue):
    english = bilingual.get("/").get_data(as_text=True)
    public = link_texts(public_nav(english))  # the public pages and Log in
    role_labels = {label for pages in ROLE_PAGES.values() for label, _, _ in pages}
    untranslated = [label for label in [*public, *sorted(role_labels)]
                    if not urdu_string(urdu_catalogue, label)]
    assert not untranslated, f"navigation labels without Urdu: {untranslated}"
    assert urdu_string(urdu_catalogue, "Public", context="navigation")


def test_the_role_navigation_is_drawn_in_urdu(bilingual_app, session, regulator_user,
                                              urdu_catalogue):
    from tests.registry.web.conftest import log_in

    client = log_in(bilingual_app.test_client(), regulator_user)
    client.post("/language", data={"language": "ur", "next": "/"})
    html = client.get("/regulator").get_data(as_text=True)
    nav = re.search(r'<nav aria-label="[^"]*" class="role">.*?</nav>', html, re.S).group(0)
    labels = [label for label, _, _ in ROLE_PAGES["regulator"]]
    assert link_texts(nav) == [urdu_string(urdu_catalogue, label) for label in labels]


def untranslated_strings(catalogue, names) -> list[str]:
    """The messages of these templates that the catalogue has no finished translation of."""
    untranslated = []
    for name in names:
        path = REGISTRY / "web" / "templates" / name
        for _line, message, _comments, context in extract_from_file("jinja2", str(path)):
            first = message if isinstance(message, str) else message[0]
            found = catalogue.get(first, context=context)
            if found is None or not found.string or found.fuzzy:
                untranslated.append(f"{name}: {first!r}")
    return untranslated


def test_every_string_of_the_public_pages_has_an_urdu_translation(urdu_catalogue):
    untranslated = untranslated_strings(urdu_catalogue, PUBLIC_TEMPLATES)
    assert not untranslated, "run `make translations` and translate:\n" + "\n".join(untranslated)


def test_every_string_of_the_role_pages_has_an_urdu_translation(urdu_catalogue):
    names = sorted({path.relative_to(REGISTRY / "web" / "templates").as_posix()
                    for path in (REGISTRY / "web" / "templates").rglob("*.html")}
                   - set(PUBLIC_TEMPLATES))
    untranslated = untranslated_strings(urdu_catalogue, names)
    assert not untranslated, "run `make translations` and translate:\n" + "\n".join(untranslated)


def test_the_compiled_urdu_catalogue_is_up_to_date_with_its_po(urdu_catalogue):
    with URDU_MO.open("rb") as mo:
        compiled = read_mo(mo)
    assert entries(compiled) == entries(urdu_catalogue), "the .mo is stale: make translations"


def test_the_urdu_font_stack_follows_language_fonts():
    css = (REGISTRY / "web" / "static" / "registry.css").read_text()
    stack = re.search(r'html:lang\(ur\) body, body \[lang="ur"\] \{ font-family: ([^;]+);',
                      css).group(1)
    families = [family.strip().strip('"') for family in stack.split(",")]
    assert families[:len(LANGUAGE_FONTS["ur"].families)] == list(LANGUAGE_FONTS["ur"].families)


@pytest.mark.parametrize(("language", "expected"), [
    ("en", ("1,234.5", "+12.5", "5 December 2026", "5 December 2026, 09:30 UTC")),
    # isolated left to right (LRI … PDI) so a sign or code keeps its place in Urdu text
    ("ur", ("\u20661,234.5\u2069", "\u2066+12.5\u2069", "5 دسمبر 2026",
            "5 دسمبر 2026, 09:30 UTC")),
])
def test_numbers_and_dates_are_written_the_readers_way(bilingual_app, language, expected):
    with bilingual_app.test_request_context(headers={"Accept-Language": language}):
        assert (number(1234.5, 1), signed(12.5, 1), long_date(date(2026, 12, 5)),
                long_datetime(datetime(2026, 12, 5, 9, 30))) == expected


def test_a_missing_number_or_date_is_a_dash(bilingual_app):
    with bilingual_app.test_request_context():
        assert (number(None), signed(None), long_date(None), long_datetime(None)) == ("–",) * 4


def test_a_code_keeps_its_order_only_inside_right_to_left_text(bilingual_app):
    with bilingual_app.test_request_context(headers={"Accept-Language": "ur"}):
        assert left_to_right("2024-25") == "\u20662024-25\u2069"
    with bilingual_app.test_request_context(headers={"Accept-Language": "en"}):
        assert left_to_right("2024-25") == "2024-25"


# English the Urdu public pages must not show: the navigation, the indicator catalogue, the
# data dictionary and the words drawn in charts (all defined once, translated at display).
CHART_WORDS = ("P10 to P90 of colleges", "P25 to P75", "Median", "Your college", "Period",
               "Release", "suppressed (fewer than", "suppressed (would reveal", "break in series",
               "no figure", "Percent of")


def english_phrases() -> set[str]:
    from registry.web.vocabulary import dictionary_words
    from schemas.indicators import CATALOGUE

    phrases = {phrase for words in dictionary_words().values() for phrase in words}
    phrases |= {i.name for i in CATALOGUE} | {i.definition for i in CATALOGUE}
    phrases |= {"Programmes", "Indicators", "Benchmarks", "Release calendar", "Data standard",
                "Open data & API", "Log in", "How the figures are made", *CHART_WORDS}
    return {phrase for phrase in phrases if phrase}


def shown_text(html: str) -> str:
    """What a reader sees or hears: text and aria-labels, without code and without what is
    marked as English on purpose (the switch's "English", the release's method notes)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<(dl|button)\b[^>]*\blang="en"[^>]*>.*?</\1>', " ", html, flags=re.S)
    html = re.sub(r"<code>.*?</code>", " ", html, flags=re.S)
    labels = " ".join(re.findall(r'aria-label="([^"]*)"', html))
    return unescape(re.sub(r"<[^>]+>", "\n", html) + "\n" + labels)


@pytest.mark.parametrize("path", ["/", "/programmes", "/indicators", "/benchmarks",
                                  "/benchmarks?breakdown=province", "/standard",
                                  "/standard?version=1.0"])
def test_an_urdu_public_page_shows_no_english_from_the_catalogues(bilingual, published_release,
                                                                   path):
    html = bilingual.get(path, headers={"Accept-Language": "ur"}).get_data(as_text=True)
    text = shown_text(html)
    left = sorted(phrase for phrase in english_phrases()
                  if re.search(rf"(?<![\w.]){re.escape(phrase)}(?![\w.])", text))
    assert not left, f"English on the Urdu page {path}: {left[:20]}"


def test_charts_are_drawn_in_the_readers_language_and_cached_per_language(bilingual,
                                                                          published_release,
                                                                          urdu_catalogue):
    path = "/benchmarks?breakdown=province"
    english = bilingual.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    urdu = bilingual.get(path, headers={"Accept-Language": "ur"}).get_data(as_text=True)
    again = bilingual.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    chart = re.compile(r"<svg.*?</svg>", re.S)
    assert ">P10 to P90 of colleges<" in chart.search(english).group(0)
    assert f">{urdu_string(urdu_catalogue, 'P10 to P90 of colleges')}<" in \
        chart.search(urdu).group(0)
    assert "Noto Nastaliq Urdu" in chart.search(urdu).group(0)  # the page's Urdu face
    assert chart.search(again).group(0) == chart.search(english).group(0)


# The guard for the next page: every template's human text goes through gettext.
TEMPLATES = REGISTRY / "web" / "templates"
# Words written the same in every language, so a template may show them outside gettext:
# file formats and the checksum's algorithm. Paths and web addresses pass too.
UNTRANSLATED = ("SDMX-CSV", "SHA-256", "XLSX", "JSON", "CSV")
NOT_WORDS = re.compile(r"https?://\S+|(?<![\w-])/[\w./-]*|(?<![\w-])(?:"
                       + "|".join(map(re.escape, UNTRANSLATED)) + r")(?![\w-])")
READ_ALOUD = re.compile(r'\b(?:aria-label|title|placeholder|alt)="([^"{]*[A-Za-z][^"]*)"')
BUTTON_VALUE = re.compile(
    r'<input\b(?=[^>]*\btype="(?:submit|button|reset)")[^>]*\bvalue="([^"{]*[A-Za-z][^"]*)"')


def unmarked_text(template: str) -> list[str]:
    """The human text of a Jinja template outside gettext: text between tags, the attributes
    read aloud (aria-label, title, placeholder, alt) and the labels of input buttons."""
    source = re.sub(r"\{#.*?#\}", "", template, flags=re.S)
    source = re.sub(r"\{%-?\s*trans\b.*?endtrans\s*-?%\}", "", source, flags=re.S)
    source = re.sub(r"<(script|style)\b.*?</\1>", "", source, flags=re.S)
    source = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", source, flags=re.S)
    attributes = READ_ALOUD.findall(source) + BUTTON_VALUE.findall(source)
    texts = [text.strip() for text in re.sub(r"<[^>]+>", "\n", source).split("\n")
             if re.search(r"[A-Za-z]{2,}", unescape(text))]
    return [text for text in texts + attributes
            if re.search(r"[A-Za-z]", NOT_WORDS.sub("", unescape(text)))]


def test_the_template_check_finds_text_outside_gettext():
    template = ('<p title="Help">{{ _("Marked.") }} Not marked.</p>'
                '<input type="submit" name="go" value="Send">')
    assert unmarked_text(template) == ["Not marked.", "Help", "Send"]


def test_the_template_check_passes_marked_text_formats_and_addresses():
    template = ('{# a note #}<h1 title="{{ _(\'Help\') }}">{{ _("Release %(n)s", n=n) }}</h1>'
                '<a href="/x.csv">CSV</a> (SHA-256 <code>{{ sum }}</code>) <a>/openapi.json</a>'
                '<input type="submit" value="{{ _(\'Send\') }}">')
    assert unmarked_text(template) == []


@pytest.mark.parametrize("name", sorted(path.relative_to(TEMPLATES).as_posix()
                                        for path in TEMPLATES.rglob("*.html")))
def test_every_text_of_a_template_goes_through_gettext(name):
    left = unmarked_text((TEMPLATES / name).read_text())
    assert not left, f"mark with _() (or add a format name to UNTRANSLATED): {left}"


@pytest.mark.parametrize("name", sorted(path.relative_to(TEMPLATES).as_posix()
                                        for path in TEMPLATES.rglob("*.html")))
def test_every_date_of_a_template_is_written_in_the_one_format(name):
    """Dates go through the `date` and `datetime` filters (babel, the reader's language),
    never a template's own strftime."""
    assert ".strftime(" not in (TEMPLATES / name).read_text()
