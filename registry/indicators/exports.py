"""Canonical exports of a release: CSV, JSON and SDMX-CSV 2.0, plus the SDMX-ML 2.1 DSD.

Byte-identical for identical content: rows sorted by indicator then stratum, floats written
with six decimals, no timestamps or release numbers inside the data.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from datetime import date
from xml.etree import ElementTree as ET

from registry.indicators.strata import all_strata, stratum_label
from schemas.cells import escape_text
from schemas.indicators import CATALOGUE

COLUMNS = ("period", "indicator", "stratum", "institutions", "returns", "numerator",
           "denominator", "pooled_rate", "ci_low", "ci_high", "mean", "p10", "p25", "median",
           "p75", "p90", "suppression", "rate_withheld", "revised")
SDMX_STATISTICS = ("institutions", "returns", "numerator", "denominator", "pooled_rate",
                   "ci_low", "ci_high", "mean", "p10", "p25", "median", "p75", "p90")
AGENCY = "MREG"
DATAFLOW = "DF_MENTORING_BENCHMARKS"
DSD = "DSD_MENTORING_BENCHMARKS"
VERSION = "1.0"
DECIMALS = 6  # every non-integer figure, in every export
STRUCTURE_ID = f"{AGENCY}:{DATAFLOW}({VERSION})"
CONF_STATUS = {"none": "F", "primary": "C", "secondary": "D"}


def fmt(value) -> str:
    """Fixed formatting: '' for missing, integers plain, other numbers with six decimals."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{DECIMALS}f}"
    return escape_text(str(value))


def rounded(value):
    """The JSON form of a number: six decimals, so repeated builds serialise identically."""
    return round(value, DECIMALS) if isinstance(value, float) else value


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def to_csv(period_code: str, cells: Sequence[dict]) -> str:
    """The release as CSV, one row per indicator × stratum, safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for cell in cells:
        writer.writerow([fmt(period_code)] + [fmt(cell[c]) for c in COLUMNS[1:]])
    return out.getvalue()


def to_json(period_code: str, cells: Sequence[dict], method: dict) -> str:
    """The release as JSON: method notes, the indicators used, and every cell."""
    used = {cell["indicator"] for cell in cells}
    document = {
        "dataset": "mentoring-registry-national-benchmarks",
        "period": period_code,
        "method": method,
        "indicators": [i.as_dict() for i in CATALOGUE if i.code in used],
        "cells": [{name: rounded(cell[name]) for name in COLUMNS[1:]} for cell in cells],
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def sdmx_id(code: str) -> str:
    """An SDMX identifier for an indicator or stratum code (letters, digits, underscores)."""
    return code.upper().replace(".", "_").replace(";", "__").replace("=", "_")


def time_period(starts_on: date, ends_on: date) -> str:
    """The period as an ISO 8601 time range, e.g. 2024-09-01/P12M."""
    months = (ends_on.year - starts_on.year) * 12 + ends_on.month - starts_on.month + 1
    month_end = date.fromordinal(ends_on.toordinal() + 1).day == 1
    if starts_on.day == 1 and month_end:
        return f"{starts_on.isoformat()}/P{months}M"
    return f"{starts_on.isoformat()}/P{(ends_on - starts_on).days + 1}D"


def to_sdmx_csv(time: str, cells: Sequence[dict]) -> str:
    """SDMX-CSV 2.0: one observation per indicator × stratum × statistic."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["STRUCTURE", "STRUCTURE_ID", "ACTION", "INDICATOR", "STRATUM", "STATISTIC",
                     "TIME_PERIOD", "OBS_VALUE", "CONF_STATUS", "OBS_STATUS"])
    for cell in cells:
        for statistic in SDMX_STATISTICS:
            value = cell[statistic]
            writer.writerow(["dataflow", STRUCTURE_ID, "I", sdmx_id(cell["indicator"]),
                             sdmx_id(cell["stratum"]), statistic.upper(), time,
                             "NaN" if value is None else fmt(value),
                             CONF_STATUS[cell["suppression"]], "O" if value is None else "A"])
    return out.getvalue()


NS = {
    "mes": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
    "str": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure",
    "com": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common",
}
CONCEPTS = {
    "INDICATOR": "Indicator", "STRATUM": "Stratum of institutions", "STATISTIC": "Statistic",
    "TIME_PERIOD": "Reporting period", "OBS_VALUE": "Observation value",
    "CONF_STATUS": "Confidentiality status (F free, C primary, D secondary suppression)",
    "OBS_STATUS": "Observation status (A normal, O missing)",
}


def structure_xml(prepared: str) -> bytes:
    """The data structure definition and dataflow as an SDMX-ML 2.1 structure message."""
    for prefix, uri in NS.items():
        ET.register_namespace(prefix, uri)
    root = ET.Element(_q("mes", "Structure"))
    header = ET.SubElement(root, _q("mes", "Header"))
    for tag, text in (("ID", "MREG_BENCHMARKS_DSD"), ("Test", "false"), ("Prepared", prepared)):
        ET.SubElement(header, _q("mes", tag)).text = text
    ET.SubElement(header, _q("mes", "Sender"), id=AGENCY)
    structures = ET.SubElement(root, _q("mes", "Structures"))
    _dataflows(structures)
    _codelists(structures)
    _concepts(structures)
    _data_structure(structures)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


def _maintainable(parent, tag: str, id_: str, name: str):
    element = ET.SubElement(parent, _q("str", tag), id=id_, agencyID=AGENCY, version=VERSION,
                            isFinal="true")
    ET.SubElement(element, _q("com", "Name"), {"xml:lang": "en"}).text = name
    return element


def _ref(parent, tag: str, **attrs):
    wrapper = ET.SubElement(parent, _q("str", tag))
    ET.SubElement(wrapper, "Ref", attrs)
    return wrapper


def _dataflows(structures) -> None:
    flows = ET.SubElement(structures, _q("str", "Dataflows"))
    flow = _maintainable(flows, "Dataflow", DATAFLOW, "National benchmarks of mentoring programmes")
    _ref(flow, "Structure", id=DSD, version=VERSION, agencyID=AGENCY, package="datastructure",
         **{"class": "DataStructure"})


def _codelists(structures) -> None:
    lists = ET.SubElement(structures, _q("str", "Codelists"))
    for id_, name, codes in (
        ("CL_INDICATOR", "Indicators", [(sdmx_id(i.code), i.name) for i in CATALOGUE]),
        ("CL_STRATUM", "Strata", [(sdmx_id(s), stratum_label(s)) for s in all_strata()]),
        ("CL_STATISTIC", "Statistics", [(s.upper(), s.replace("_", " ")) for s in
                                        SDMX_STATISTICS]),
        ("CL_CONF_STATUS", "Confidentiality status", [("F", "Free"), ("C", "Confidential"),
                                                      ("D", "Secondary confidentiality")]),
        ("CL_OBS_STATUS", "Observation status", [("A", "Normal"), ("O", "Missing")]),
    ):
        codelist = _maintainable(lists, "Codelist", id_, name)
        for code, label in codes:
            element = ET.SubElement(codelist, _q("str", "Code"), id=code)
            ET.SubElement(element, _q("com", "Name"), {"xml:lang": "en"}).text = label


def _concepts(structures) -> None:
    schemes = ET.SubElement(structures, _q("str", "Concepts"))
    scheme = _maintainable(schemes, "ConceptScheme", "CS_MREG", "Mentoring registry concepts")
    for id_, name in CONCEPTS.items():
        concept = ET.SubElement(scheme, _q("str", "Concept"), id=id_)
        ET.SubElement(concept, _q("com", "Name"), {"xml:lang": "en"}).text = name


def _concept_ref(parent, id_: str) -> None:
    _ref(parent, "ConceptIdentity", id=id_, maintainableParentID="CS_MREG",
         maintainableParentVersion=VERSION, agencyID=AGENCY, package="conceptscheme",
         **{"class": "Concept"})


def _enumeration(parent, codelist: str) -> None:
    representation = ET.SubElement(parent, _q("str", "LocalRepresentation"))
    _ref(representation, "Enumeration", id=codelist, version=VERSION, agencyID=AGENCY,
         package="codelist", **{"class": "Codelist"})


def _data_structure(structures) -> None:
    dsds = ET.SubElement(structures, _q("str", "DataStructures"))
    dsd = _maintainable(dsds, "DataStructure", DSD, "National benchmarks structure")
    components = ET.SubElement(dsd, _q("str", "DataStructureComponents"))
    dimensions = ET.SubElement(components, _q("str", "DimensionList"), id="DimensionDescriptor")
    for position, (id_, codelist) in enumerate((("INDICATOR", "CL_INDICATOR"),
                                                ("STRATUM", "CL_STRATUM"),
                                                ("STATISTIC", "CL_STATISTIC")), start=1):
        dimension = ET.SubElement(dimensions, _q("str", "Dimension"), id=id_,
                                  position=str(position))
        _concept_ref(dimension, id_)
        _enumeration(dimension, codelist)
    time = ET.SubElement(dimensions, _q("str", "TimeDimension"), id="TIME_PERIOD", position="4")
    _concept_ref(time, "TIME_PERIOD")
    attributes = ET.SubElement(components, _q("str", "AttributeList"), id="AttributeDescriptor")
    for id_ in ("CONF_STATUS", "OBS_STATUS"):
        attribute = ET.SubElement(attributes, _q("str", "Attribute"), id=id_,
                                  assignmentStatus="Mandatory")
        _concept_ref(attribute, id_)
        _enumeration(attribute, f"CL_{id_}")
        relationship = ET.SubElement(attribute, _q("str", "AttributeRelationship"))
        measure = ET.SubElement(relationship, _q("str", "PrimaryMeasure"))
        ET.SubElement(measure, "Ref", id="OBS_VALUE")
    measures = ET.SubElement(components, _q("str", "MeasureList"), id="MeasureDescriptor")
    primary = ET.SubElement(measures, _q("str", "PrimaryMeasure"), id="OBS_VALUE")
    _concept_ref(primary, "OBS_VALUE")
