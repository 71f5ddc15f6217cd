"""Open-data metadata: the DCAT-AP catalogue read back with rdflib and queried with SPARQL,
and each release's Data Package validated by frictionless against the real CSV export."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from frictionless import validate
from rdflib import Graph

from registry.services.accounts.actors import Actor
from registry.services.releases import catalogue as service
from registry.services.releases import publication, releases
from tests.factories import make_institution
from tests.registry.benchmark_data import add_return, closed_period, payload_with, seven_colleges

REGULATOR = Actor("user:analyst", "regulator")
BASE = "https://registry.example"
SETTINGS = service.CatalogueSettings()
PREFIXES = """
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX spdx: <http://spdx.org/rdf/terms#>
PREFIX stat: <http://data.europa.eu/m8g/statdcat-ap/>
PREFIX adms: <http://www.w3.org/ns/adms#>
"""


@pytest.fixture
def final_pair(session):
    """A published provisional release and its published final release with a late return."""
    period = closed_period(session)
    seven_colleges(session, period)
    settings = releases.ReleaseSettings()
    provisional = releases.build_release(session, REGULATOR, period, settings, run_id="p")
    releases.publish_release(session, REGULATOR, provisional)
    late = make_institution(session, code="KP-BEN-LATE")
    add_return(session, late, period, payload_with(late, period, "undergraduate", enrolled=49))
    final = releases.build_release(session, REGULATOR, period, settings, run_id="f",
                                   now=provisional.built_at + timedelta(days=31))
    publication.confirm_publication(session, REGULATOR, final, "A late return from KP.")
    return provisional, final


def jsonld_graph(session) -> Graph:
    text = service.catalogue_graph(session, BASE, SETTINGS).serialize(format="json-ld")
    return Graph().parse(data=text, format="json-ld")


def test_every_published_release_is_a_dataset_with_the_required_properties(session,
                                                                           final_pair):
    rows = jsonld_graph(session).query(PREFIXES + """
        SELECT ?dataset ?title ?publisher ?license ?start ?end ?spatial ?frequency ?contact
        WHERE { ?catalogue a dcat:Catalog ; dcat:dataset ?dataset .
                ?dataset a dcat:Dataset ; dct:title ?title ; dct:publisher ?publisher ;
                  dct:license ?license ; dct:spatial ?spatial ; dct:accrualPeriodicity ?frequency ;
                  dcat:contactPoint ?contact ; dcat:keyword ?keyword ; dct:conformsTo ?structure ;
                  dct:temporal [ dcat:startDate ?start ; dcat:endDate ?end ] ;
                  stat:dimension ?dimension ; stat:statUnitMeasure ?unit . }""")
    datasets = {str(row.dataset) for row in rows}
    assert datasets == {f"{BASE}/releases/{r.id}" for r in final_pair}
    assert {str(row.license) for row in rows} == {SETTINGS.license}


def test_every_distribution_has_media_type_size_checksum_and_download_url(session,
                                                                          final_pair):
    graph = jsonld_graph(session)
    rows = graph.query(PREFIXES + """
        SELECT ?distribution ?type ?size ?checksum WHERE {
          ?dataset dcat:distribution ?distribution .
          ?distribution dcat:mediaType ?type ; dcat:downloadURL ?url ; dct:license ?license ;
            dcat:byteSize ?size ;
            spdx:checksum [ spdx:algorithm spdx:checksumAlgorithm_sha256 ;
                            spdx:checksumValue ?checksum ] . }""")
    found = {str(row.distribution): str(row.checksum) for row in rows}
    final = final_pair[1]
    assert found[f"{BASE}/api/v1/releases/{final.id}/export.csv"] == final.checksum_sha256
    assert found[f"{BASE}/api/v1/releases/{final.id}/export.json"] == final.json_sha256
    assert len(found) == 6  # three exports with bytes stored, for each of the two releases


def test_the_final_releases_version_notes_carry_the_regulators_reason(session, final_pair):
    rows = jsonld_graph(session).query(PREFIXES + """
        SELECT ?dataset ?notes WHERE { ?dataset adms:versionNotes ?notes . }""")
    [(dataset, notes)] = [(str(r.dataset), str(r.notes)) for r in rows]
    assert dataset == f"{BASE}/releases/{final_pair[1].id}"
    assert "Returns added 1" in notes and "A late return from KP." in notes


def test_an_unpublished_release_is_not_in_the_catalogue(session):
    period = closed_period(session)
    seven_colleges(session, period)
    releases.build_release(session, REGULATOR, period, releases.ReleaseSettings(), run_id="d")
    rows = jsonld_graph(session).query(PREFIXES + "SELECT ?d WHERE { ?d a dcat:Dataset }")
    assert list(rows) == []


def test_the_data_package_validates_against_the_real_csv_export(session, final_pair, tmp_path):
    final = final_pair[1]
    (tmp_path / "export.csv").write_text(final.export_csv, encoding="utf-8")
    package = service.data_package(session, final, BASE, SETTINGS)
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.stats["tasks"] == 1


def test_a_changed_csv_fails_the_data_packages_checksum(session, final_pair, tmp_path):
    final = final_pair[1]
    (tmp_path / "export.csv").write_text(final.export_csv + "\n", encoding="utf-8")
    package = service.data_package(session, final, BASE, SETTINGS)
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    assert not validate(str(tmp_path / "datapackage.json")).valid


def test_the_citation_names_publisher_release_url_and_checksum(session, final_pair):
    final = final_pair[1]
    text = service.citation(final, BASE, SETTINGS)
    for part in (SETTINGS.publisher, "period 2024", f"final release {final.number}",
                 f"{BASE}/releases/{final.id}", final.checksum_sha256):
        assert part in text
