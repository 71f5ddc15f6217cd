"""Open-data metadata of published releases: a DCAT-AP 3 / StatDCAT-AP catalogue, each
release's Frictionless Data Package, and its suggested citation.

Only published releases appear. A dataset is a release; its distributions are the release's
exports, each with media type, byte size, SHA-256 checksum, licence and download URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, QB, RDF, SKOS, XSD
from sqlalchemy.orm import Session, undefer

from registry.indicators import exports
from registry.models import Release
from registry.services.releases import releases as release_service
from registry.services.releases.publication import revision_summary
from schemas.indicators import BY_CODE

ADMS = Namespace("http://www.w3.org/ns/adms#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
STAT = Namespace("http://data.europa.eu/m8g/statdcat-ap/")
EU_FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
EU_COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
IANA = Namespace("http://www.iana.org/assignments/media-types/")
DATASET_TITLE = "Mentoring Registry national benchmarks"
KEYWORDS = ("mentoring", "medical education", "dental education", "benchmarks", "Pakistan")
DIMENSIONS = ("period", "indicator", "stratum")


@dataclass(frozen=True)
class CatalogueSettings:
    """Who publishes the open data, how to reach them, and under which licence."""

    publisher: str = "Pakistan Medical and Dental Council (PMDC)"
    contact_email: str = "registry@pmdc.org.pk"
    license: str = "https://creativecommons.org/licenses/by/4.0/"

    @classmethod
    def from_config(cls, config: Mapping) -> CatalogueSettings:
        return cls(str(config.get("CATALOGUE_PUBLISHER", cls.publisher)),
                   str(config.get("CATALOGUE_CONTACT_EMAIL", cls.contact_email)),
                   str(config.get("CATALOGUE_LICENSE", cls.license)))


@dataclass(frozen=True)
class Export:
    """One export of a release as a distribution."""

    name: str  # the file name under /api/v1/releases/<id>/
    title: str
    media_type: str
    attribute: str | None  # the release column holding its text, when stored
    checksum: str | None  # the release column holding its SHA-256


EXPORTS = (
    Export("export.csv", "CSV", "text/csv", "export_csv", "checksum_sha256"),
    Export("export.json", "JSON", "application/json", "export_json", "json_sha256"),
    Export("export.sdmx.csv", "SDMX-CSV 2.0", "text/csv", "export_sdmx_csv", "sdmx_sha256"),
    Export("datapackage.json", "Frictionless Data Package", "application/json", None, None),
)


def release_url(base_url: str, release: Release) -> str:
    return f"{base_url}/releases/{release.id}"


def export_url(base_url: str, release: Release, name: str) -> str:
    return f"{base_url}/api/v1/releases/{release.id}/{name}"


def release_title(release: Release) -> str:
    return (f"{DATASET_TITLE}, period {release.period.code}, {release.kind} release "
            f"{release.number}")


def citation(release: Release, base_url: str, settings: CatalogueSettings) -> str:
    """The suggested citation: publisher, title, period, number, date, URL and checksum."""
    published = release.publication.published_at if release.publication else None
    year = published.year if published else release.built_at.year
    when = published.date().isoformat() if published else "not yet published"
    return (f"{settings.publisher} ({year}). {release_title(release)}. Published {when}. "
            f"{release_url(base_url, release)} (CSV SHA-256 {release.checksum_sha256}).")


def revision_text(summary: dict | None) -> str | None:
    """The revision notes as one paragraph, for exports' metadata."""
    if summary is None:
        return None
    returns, cells = summary["returns"], summary["cells"]
    parts = [f"Revises release {summary['previous']['number']} "
             f"({summary['previous']['kind']}).",
             f"Returns added {returns['added']}, revised {returns['revised']}, dropped "
             f"{returns['dropped']}.",
             f"Cells changed {cells['changed']} of {cells['total']}.",
             f"Newly suppressed {summary['suppression']['newly_suppressed']}, newly published "
             f"{summary['suppression']['newly_published']}."]
    parts += [f"{m['name']}: national pooled rate {m['before']:.4f} → {m['after']:.4f}."
              for m in summary["largest_national_changes"]]
    if summary["reason"]:
        parts.append(f"Reason: {summary['reason']}")
    return " ".join(parts)


def published_releases(session: Session) -> list[Release]:
    """Published releases with their exports loaded, oldest first."""
    query = (release_service.releases_query(None)
             .options(undefer(Release.export_csv), undefer(Release.export_json),
                      undefer(Release.export_sdmx_csv)))
    return list(reversed(session.scalars(query).unique().all()))


def catalogue_graph(session: Session, base_url: str, settings: CatalogueSettings) -> Graph:
    """The DCAT-AP catalogue of every published release."""
    graph = Graph()
    for prefix, namespace in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("adms", ADMS),
                              ("spdx", SPDX), ("stat", STAT), ("vcard", VCARD), ("qb", QB),
                              ("skos", SKOS), ("owl", OWL)):
        graph.bind(prefix, namespace)
    catalogue = URIRef(f"{base_url}/catalog")
    publisher = _publisher(graph, base_url, settings)
    graph.add((catalogue, RDF.type, DCAT.Catalog))
    graph.add((catalogue, DCTERMS.title, Literal("Mentoring Registry open data", lang="en")))
    graph.add((catalogue, DCTERMS.description, Literal(
        "Numbered, immutable national benchmark releases of mentoring programmes in "
        "Pakistan's medical and dental colleges.", lang="en")))
    graph.add((catalogue, DCTERMS.publisher, publisher))
    graph.add((catalogue, FOAF.homepage, URIRef(f"{base_url}/benchmarks")))
    graph.add((catalogue, DCTERMS.license, URIRef(settings.license)))
    for dimension in DIMENSIONS:
        node = URIRef(f"{base_url}/standard#dimension-{dimension}")
        graph.add((node, RDF.type, QB.DimensionProperty))
        graph.add((node, SKOS.prefLabel, Literal(dimension, lang="en")))
    for release in published_releases(session):
        graph.add((catalogue, DCAT.dataset,
                   _dataset(graph, session, release, base_url, settings, publisher)))
    return graph


def _publisher(graph: Graph, base_url: str, settings: CatalogueSettings) -> URIRef:
    publisher = URIRef(f"{base_url}/#publisher")
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal(settings.publisher, lang="en")))
    return publisher


def _dataset(graph: Graph, session: Session, release: Release, base_url: str,
             settings: CatalogueSettings, publisher: URIRef) -> URIRef:
    dataset = URIRef(release_url(base_url, release))
    period = release.period
    add = graph.add
    add((dataset, RDF.type, DCAT.Dataset))
    add((dataset, DCTERMS.identifier, Literal(f"release-{release.number}")))
    add((dataset, DCTERMS.title, Literal(release_title(release), lang="en")))
    add((dataset, DCTERMS.description, Literal(
        f"Distributions, pooled rates and suppression of the mentoring indicators by "
        f"stratum for period {period.code} ({period.name}).", lang="en")))
    add((dataset, DCTERMS.publisher, publisher))
    add((dataset, DCTERMS.license, URIRef(settings.license)))
    add((dataset, DCTERMS.issued, Literal(release.publication.published_at.isoformat(),
                                          datatype=XSD.dateTime)))
    add((dataset, DCTERMS.accrualPeriodicity, EU_FREQUENCY.ANNUAL))
    add((dataset, DCTERMS.spatial, EU_COUNTRY.PAK))
    add((dataset, DCAT.landingPage, dataset))
    add((dataset, OWL.versionInfo, Literal(str(release.number))))
    add((dataset, DCTERMS.conformsTo, URIRef(export_url(base_url, release, "structure.xml"))))
    for keyword in KEYWORDS:
        add((dataset, DCAT.keyword, Literal(keyword, lang="en")))
    add((dataset, DCTERMS.temporal, _period_of_time(graph, period)))
    add((dataset, DCAT.contactPoint, _contact(graph, settings)))
    notes = revision_text(revision_summary(session, release))
    if notes:
        add((dataset, ADMS.versionNotes, Literal(notes, lang="en")))
    if release.revises_id:
        add((dataset, DCTERMS.replaces, URIRef(f"{base_url}/releases/{release.revises_id}")))
    for dimension in DIMENSIONS:
        add((dataset, STAT.dimension, URIRef(f"{base_url}/standard#dimension-{dimension}")))
    add((dataset, STAT.numSeries, Literal(max(0, release.export_csv.count("\n") - 1),
                                          datatype=XSD.integer)))
    for code in sorted({line.split(",")[1] for line in release.export_csv.splitlines()[1:]
                        if line.count(",") > 1} & BY_CODE.keys()):
        add((dataset, STAT.statUnitMeasure, _unit(graph, base_url, code)))
    for export in EXPORTS:
        add((dataset, DCAT.distribution,
             _distribution(graph, release, export, base_url, settings)))
    return dataset


def _period_of_time(graph: Graph, period) -> BNode:
    node = BNode()
    graph.add((node, RDF.type, DCTERMS.PeriodOfTime))
    graph.add((node, DCAT.startDate, Literal(period.starts_on.isoformat(), datatype=XSD.date)))
    graph.add((node, DCAT.endDate, Literal(period.ends_on.isoformat(), datatype=XSD.date)))
    return node


def _contact(graph: Graph, settings: CatalogueSettings) -> BNode:
    node = BNode()
    graph.add((node, RDF.type, VCARD.Organization))
    graph.add((node, VCARD.fn, Literal(settings.publisher)))
    graph.add((node, VCARD.hasEmail, URIRef(f"mailto:{settings.contact_email}")))
    return node


def _unit(graph: Graph, base_url: str, code: str) -> URIRef:
    node = URIRef(f"{base_url}/indicators#unit-{code}")
    graph.add((node, RDF.type, SKOS.Concept))
    graph.add((node, SKOS.prefLabel, Literal(f"{BY_CODE[code].name}: {BY_CODE[code].unit}",
                                             lang="en")))
    return node


def _distribution(graph: Graph, release: Release, export: Export, base_url: str,
                  settings: CatalogueSettings) -> URIRef:
    url = URIRef(export_url(base_url, release, export.name))
    graph.add((url, RDF.type, DCAT.Distribution))
    graph.add((url, DCTERMS.title, Literal(export.title, lang="en")))
    graph.add((url, DCAT.accessURL, url))
    graph.add((url, DCAT.downloadURL, url))
    graph.add((url, DCAT.mediaType, IANA[export.media_type]))
    graph.add((url, DCTERMS.license, URIRef(settings.license)))
    graph.add((url, DCTERMS.temporal, _period_of_time(graph, release.period)))
    if export.attribute:
        body = getattr(release, export.attribute)
        graph.add((url, DCAT.byteSize, Literal(len(body.encode("utf-8")),
                                               datatype=XSD.nonNegativeInteger)))
        checksum = BNode()
        graph.add((checksum, RDF.type, SPDX.Checksum))
        graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        graph.add((checksum, SPDX.checksumValue,
                   Literal(getattr(release, export.checksum), datatype=XSD.hexBinary)))
        graph.add((url, SPDX.checksum, checksum))
    if export.name == "export.sdmx.csv":
        graph.add((url, DCTERMS.conformsTo,
                   URIRef(export_url(base_url, release, "structure.xml"))))
    return url


# --- the Frictionless Data Package ---------------------------------------------------------

FIELD_TYPES = {"period": "string", "indicator": "string", "stratum": "string",
               "institutions": "integer", "returns": "integer", "suppression": "string",
               "rate_withheld": "string", "revised": "boolean"}
FIELD_DESCRIPTIONS = {
    "period": "Reporting period code.",
    "indicator": "Indicator code (see the indicator catalogue); its unit is in `indicators`.",
    "stratum": "The stratum: national, or dimension=value pairs joined by ';'.",
    "institutions": "Institutions counted (unit: institutions).",
    "returns": "Returns counted (unit: returns).",
    "suppression": "none, or why the cell's figures are withheld.",
    "rate_withheld": "Why the rate alone is withheld, if it is.",
    "revised": "Whether the figures differ from the period's provisional release.",
}


def data_package(session: Session, release: Release, base_url: str,
                 settings: CatalogueSettings) -> dict:
    """The Frictionless Data Package describing the release's CSV export."""
    codes = sorted({line.split(",")[1] for line in release.export_csv.splitlines()[1:]
                    if line.count(",") > 1} & BY_CODE.keys())
    package = {
        "name": f"mentoring-registry-release-{release.number}",
        "title": release_title(release),
        "version": str(release.number),
        "homepage": release_url(base_url, release),
        "licenses": [{"name": "CC-BY-4.0" if "by/4.0" in settings.license else "custom",
                      "path": settings.license}],
        "contributors": [{"title": settings.publisher, "role": "publisher",
                          "email": settings.contact_email}],
        "citation": citation(release, base_url, settings),
        "indicators": [{"code": c, "name": BY_CODE[c].name, "unit": BY_CODE[c].unit}
                       for c in codes],
        "resources": [{
            "name": "benchmarks", "path": "export.csv", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8",
            "hash": f"sha256:{release.checksum_sha256}",
            "bytes": len(release.export_csv.encode("utf-8")),
            "schema": {"fields": [_field(name) for name in exports.COLUMNS],
                       "missingValues": [""], "primaryKey": ["indicator", "stratum"]},
        }],
    }
    notes = revision_text(revision_summary(session, release))
    if notes:
        package["description"] = notes
    return package


def _field(name: str) -> dict:
    field = {"name": name, "type": FIELD_TYPES.get(name, "number")}
    if name == "revised":
        field.update(trueValues=["true"], falseValues=["false"])
    field["description"] = FIELD_DESCRIPTIONS.get(
        name, "A statistic of the indicator, in the indicator's unit.")
    if name in ("indicator", "stratum"):
        field["constraints"] = {"required": True}
    return field
