"""The reference register: composition, idempotent loading, CSV with bad rows."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from registry.models import Institution
from registry.services.register.register import (
    RegisterFileError,
    load_register,
    parse_register_csv,
    synthetic_register,
)


def test_synthetic_register_has_the_national_composition():
    rows = synthetic_register()
    composition = Counter((r.type, r.sector) for r in rows)
    assert len(rows) == 185
    assert composition == {
        ("medical", "public"): 48,
        ("medical", "private"): 76,
        ("dental", "public"): 18,
        ("dental", "private"): 43,
    }
    assert {r.province for r in rows} == {"PB", "SD", "KP", "BA", "IS", "AJK", "GB"}
    assert len({r.code for r in rows}) == 185
    assert all(r.synthetic for r in rows)


def snapshot(session):
    return sorted(
        session.execute(
            select(Institution.code, Institution.name, Institution.type, Institution.sector,
                   Institution.province_code, Institution.university_id, Institution.synthetic)
        ).all()
    )


def test_loading_the_register_twice_leaves_the_same_rows(session, system_actor):
    first = load_register(session, synthetic_register(), system_actor)
    rows_after_first = snapshot(session)
    second = load_register(session, synthetic_register(), system_actor)
    assert (first.created, second.created, second.updated, second.unchanged) == (185, 0, 0, 185)
    assert snapshot(session) == rows_after_first
    assert session.scalar(select(func.count()).select_from(Institution)) == 185


def test_csv_register_updates_changed_colleges(session, system_actor):
    csv_text = "code,name,type,sector,province,university\n" \
               "KMC-01,Khyber Medical College,medical,public,KP,KMU\n"
    load_register(session, parse_register_csv(csv_text), system_actor)
    renamed = csv_text.replace("Khyber Medical College", '"Khyber Medical College, Peshawar"')
    summary = load_register(session, parse_register_csv(renamed), system_actor)
    institution = session.scalar(select(Institution).where(Institution.code == "KMC-01"))
    assert (summary.updated, institution.name) == (1, "Khyber Medical College, Peshawar")
    assert institution.synthetic is False


def test_csv_register_reports_every_bad_row_by_line():
    csv_text = (
        "code,name,type,sector,province,university\n"
        "A-1,Good College,medical,public,KP,KMU\n"
        "A-2,Bad Type,veterinary,public,KP,KMU\n"
        "A-1,Duplicate,dental,private,PB,UHS\n"
        "A-4,,dental,private,XX,UHS\n"
    )
    with pytest.raises(RegisterFileError) as caught:
        parse_register_csv(csv_text)
    lines = [(e["line"], e["message"]) for e in caught.value.errors]
    assert (3, "type 'veterinary' is not one of medical, dental") in lines
    assert (4, "code A-1 appears twice") in lines
    assert (5, "name is empty") in lines
    assert any(line == 5 and "province 'XX'" in msg for line, msg in lines)


def test_csv_register_row_with_too_many_fields_is_reported():
    csv_text = "code,name,type,sector,province,university\nA,Name, Town,medical,public,KP,KMU\n"
    with pytest.raises(RegisterFileError, match="line 2: more fields than the header"):
        parse_register_csv(csv_text)


def test_csv_register_without_required_columns_is_refused():
    with pytest.raises(RegisterFileError, match="missing column"):
        parse_register_csv("code,name\nA,B\n")
