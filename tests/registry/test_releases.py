"""Releases: what counts, provisional then final, immutability, reproducible exports."""

from __future__ import annotations

import csv
import gc
import hashlib
import io
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from registry.indicators import build as pure_build
from registry.models import BenchmarkCell, Release
from registry.models.benchmarks import ReleaseImmutable
from registry.services.accounts.actors import Actor
from registry.services.errors import Conflict
from registry.services.releases import releases as service
from tests.factories import bearer, make_institution
from tests.registry.airflow_standin import fake_airflow
from tests.registry.benchmark_data import (
    add_return,
    api_token,
    closed_period,
    college_token,
    payload_with,
    seven_colleges,
)

SETTINGS = service.ReleaseSettings()
SYSTEM = Actor.system("test")


@pytest.fixture
def period(session):
    return closed_period(session)


@pytest.fixture
def colleges(session, period):
    return seven_colleges(session, period)


def build(session, period, run_id="run-1", settings=SETTINGS, **kwargs) -> Release:
    return service.build_release(session, SYSTEM, period, settings, run_id=run_id, **kwargs)


def national(session, release, indicator="coverage") -> BenchmarkCell:
    return session.scalar(select(BenchmarkCell).where(
        BenchmarkCell.release_id == release.id, BenchmarkCell.indicator == indicator,
        BenchmarkCell.stratum == "national"))


def test_only_accepted_versions_count_and_every_exclusion_has_a_reason(session, period,
                                                                       colleges):
    extra = make_institution(session, code="KP-BEN-X")
    rejected = add_return(session, extra, period, payload_with(extra, period, "postgraduate"),
                          status="rejected")
    pending = add_return(session, colleges[0], period,
                         payload_with(colleges[0], period, "faculty", enrolled=10, eligible=10),
                         status="submitted", history=("validated",))
    release = build(session, period)
    excluded = {row["return_id"]: row["reason"] for row in release.provenance["excluded"]}
    assert excluded == {rejected.id: "rejected"}
    # the faculty return counts through its validated version 1; version 2 is pending
    assert release.provenance["accepted_but_newer_version_pending"] == [pending.id]
    assert len(release.provenance["return_version_ids"]) == 8
    # seven colleges at 30..42 of 50 plus the faculty 10/10: (252 + 10) / (350 + 10)
    assert national(session, release).numerator == 262


def test_a_higher_acceptance_level_leaves_validated_returns_out(session, period, colleges):
    approved = service.ReleaseSettings(acceptance_level="approved")
    release = build(session, period, settings=approved)
    reasons = {row["reason"] for row in release.provenance["excluded"]}
    assert reasons == {"not_yet_approved"}
    assert release.provenance["return_version_ids"] == []


def test_the_first_release_is_provisional_and_the_final_one_flags_revisions(
        session, period, colleges):
    first = build(session, period, "run-1")
    assert (first.kind, first.number) == ("provisional", 1)
    late = make_institution(session, code="KP-BEN-LATE")
    add_return(session, late, period, payload_with(late, period, "undergraduate", enrolled=50))
    again = build(session, period, "run-2", now=first.built_at + timedelta(days=5))
    assert again.kind == "provisional"
    with pytest.raises(Conflict):
        build(session, period, "run-3", kind="final", now=first.built_at + timedelta(days=5))
    final = build(session, period, "run-4", now=first.built_at + timedelta(days=31))
    assert (final.kind, final.revises_id) == ("final", again.id)
    assert national(session, final).revised is False  # same inputs as provisional 2
    with pytest.raises(Conflict):
        build(session, period, "run-5", now=first.built_at + timedelta(days=40))


def test_a_final_release_marks_figures_that_changed_since_the_provisional(session, period,
                                                                         colleges):
    first = build(session, period, "run-1")
    late = make_institution(session, code="KP-BEN-LATE")
    add_return(session, late, period, payload_with(late, period, "undergraduate", enrolled=50))
    final = build(session, period, "run-2", now=first.built_at + timedelta(days=31))
    assert national(session, final).revised is True
    assert national(session, final, "compliance_index").revised is True  # 8 colleges now
    assert "revised" in final.export_csv.splitlines()[0]


def test_a_rerun_with_the_same_run_id_returns_the_same_release(session, period, colleges):
    assert build(session, period, "run-1").id == build(session, period, "run-1").id


def test_stored_releases_cannot_be_changed(session, period, colleges):
    release = build(session, period)
    release.kind = "final"
    with pytest.raises(ReleaseImmutable):
        session.flush()


def test_two_builds_on_the_same_inputs_give_byte_identical_exports(session, period, colleges):
    one = build(session, period, "run-1")
    two = build(session, period, "run-2")
    assert one.number != two.number
    assert (one.export_csv, one.export_json, one.export_sdmx_csv) == (
        two.export_csv, two.export_json, two.export_sdmx_csv)
    assert one.checksum_sha256 == two.checksum_sha256 == hashlib.sha256(
        one.export_csv.encode()).hexdigest()


def test_a_failed_build_leaves_the_earlier_release_untouched(session, period, colleges,
                                                            monkeypatch):
    first = build(session, period, "run-1")
    before = (first.export_csv, session.scalar(
        select(func.count()).select_from(BenchmarkCell)))
    session.commit()

    def interrupted(*args, **kwargs):
        raise RuntimeError("worker lost half-way through the insert")

    monkeypatch.setattr(service, "_add_rows", interrupted)
    with pytest.raises(RuntimeError):
        build(session, period, "run-2")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Release)) == 1
    kept = session.get(Release, first.id)
    assert (kept.export_csv, session.scalar(
        select(func.count()).select_from(BenchmarkCell))) == before


def test_csv_export_is_safe_to_open_in_a_spreadsheet(session, colleges):
    hostile = closed_period(session, "-1+1")
    for college in colleges:
        add_return(session, college, hostile, payload_with(college, hostile, "undergraduate"))
    release = build(session, hostile)
    rows = list(csv.reader(io.StringIO(release.export_csv)))
    assert rows[1][0] == "'-1+1"
    assert all(not value.startswith(("=", "+", "-", "@")) for row in rows for value in row)


def test_regulator_builds_and_publishes_through_the_api(client, session, period, colleges):
    regulator = bearer(api_token(session, "regulator"))
    response = client.post("/api/v1/releases", json={"period": period.code}, headers=regulator)
    assert response.status_code == 201, response.json
    release_id = response.json["id"]
    assert response.json["kind"] == "provisional" and not response.json["published"]
    assert client.get(f"/api/v1/releases/{release_id}").status_code == 404  # not public yet
    assert client.get("/api/v1/releases").json["total"] == 0
    published = client.post(f"/api/v1/releases/{release_id}/publication", headers=regulator)
    assert published.status_code == 201 and published.json["published"]
    public = client.get(f"/api/v1/releases/{release_id}").json
    assert public["excluded"] is None and public["return_versions_used"]


def test_an_api_build_runs_the_releases_pipeline_task(client, session, period, colleges):
    regulator = bearer(api_token(session, "regulator"))
    response = client.post("/api/v1/releases", json={"period": period.code}, headers=regulator)
    assert response.status_code == 201
    # the task keys each release by its run and period; a direct build would not
    assert response.json["pipeline_run_id"].startswith("api:")
    assert response.json["pipeline_run_id"].endswith(f":{period.code}")


def test_the_same_build_key_twice_builds_one_release(client, session, period, colleges):
    regulator = {**bearer(api_token(session, "regulator")), "Idempotency-Key": "nightly.2025"}
    first = client.post("/api/v1/releases", json={"period": period.code}, headers=regulator)
    again = client.post("/api/v1/releases", json={"period": period.code}, headers=regulator)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    assert session.scalar(select(func.count()).select_from(Release)) == 1


def test_another_users_build_key_is_their_own(client, session, period, colleges):
    key = {"Idempotency-Key": "nightly"}
    ids = {client.post("/api/v1/releases", json={"period": period.code},
                       headers={**bearer(api_token(session, "regulator")), **key}).json["id"]
           for _ in range(2)}
    assert len(ids) == 2


def test_a_build_key_with_other_characters_is_refused(client, session, period, colleges):
    regulator = {**bearer(api_token(session, "regulator")), "Idempotency-Key": "a b/c"}
    response = client.post("/api/v1/releases", json={"period": period.code}, headers=regulator)
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"Idempotency-Key": ["not a build key"]}
    assert session.scalar(select(func.count()).select_from(Release)) == 0


def test_in_airflow_mode_the_api_queues_the_build_and_answers_202(app, client, session, period,
                                                                   colleges):
    regulator = {**bearer(api_token(session, "regulator")), "Idempotency-Key": "k1"}
    with fake_airflow() as (base_url, received):
        app.config.update(PIPELINE_MODE="airflow", AIRFLOW_API_URL=base_url,
                          AIRFLOW_USERNAME="admin", AIRFLOW_PASSWORD="secret")
        response = client.post("/api/v1/releases", json={"period": period.code},
                               headers=regulator)
    assert response.status_code == 202
    assert response.json["status"] == "queued" and response.json["run_id"].endswith(":k1")
    run_request = received[-1]
    assert run_request[0] == "/api/v2/dags/registry_benchmarks/dagRuns"
    assert run_request[2] == {"dag_run_id": response.json["run_id"], "logical_date": None,
                              "conf": {"period": period.code, "publish": False}}
    assert session.scalar(select(func.count()).select_from(Release)) == 0


def test_a_college_cannot_build_a_release(client, session, period, colleges):
    token = bearer(college_token(session, colleges[0]))
    response = client.post("/api/v1/releases", json={"period": period.code}, headers=token)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_exports_download_with_their_checksum(client, session, period, colleges):
    release = build(session, period)
    service.publish_release(session, SYSTEM, release)
    response = client.get(f"/api/v1/releases/{release.id}/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert hashlib.sha256(response.data).hexdigest() == release.checksum_sha256
    document = client.get(f"/api/v1/releases/{release.id}/export.json").json
    assert "Hyndman" in document["method"]["distribution"]
    assert document["period"] == period.code


def test_benchmarks_endpoint_serves_published_cells_only(client, session, period, colleges):
    release = build(session, period)
    query = f"/api/v1/benchmarks?period={period.code}&indicator=coverage&stratum=national"
    assert client.get(query).json == []
    service.publish_release(session, SYSTEM, release)
    (cell,) = client.get(query).json
    assert (cell["release"], cell["institutions"], cell["numerator"]) == (release.number, 7, 252)
    assert cell["pooled_rate"] == pytest.approx(0.72)  # 252 / 350


def test_sdmx_csv_reads_back_with_sdmx1_given_the_structure(client, session, period, colleges):
    import sdmx
    from sdmx.reader.csv import Reader

    release = build(session, period)
    service.publish_release(session, SYSTEM, release)
    structure = sdmx.read_sdmx(io.BytesIO(
        client.get(f"/api/v1/releases/{release.id}/structure.xml").data))
    dataflow = structure.dataflow["DF_MENTORING_BENCHMARKS"]
    data = client.get(f"/api/v1/releases/{release.id}/export.sdmx.csv").data
    message = Reader().convert(io.BytesIO(data), structure=dataflow)
    observations = {tuple(o.key.values[d].value for d in ("INDICATOR", "STRATUM", "STATISTIC")):
                    o for o in message.data[0].obs}
    median = observations[("COVERAGE", "NATIONAL", "MEDIAN")]
    assert float(median.value) == pytest.approx(0.72)  # 30..42 of 50: median 36/50
    assert median.attrib["CONF_STATUS"].value == "F"
    assert len(observations) == len(release.export_sdmx_csv.splitlines()) - 1


def _college(session, period, province: str, n: int, enrolled: int):
    college = make_institution(session, code=f"{province}-DIFF-{n}", province_code=province)
    add_return(session, college, period, payload_with(college, period, "undergraduate",
                                                      enrolled=enrolled))
    return college


def _coverage_numerators(release: Release) -> dict[str, float | None]:
    rows = csv.DictReader(io.StringIO(release.export_csv))
    return {row["stratum"]: float(row["numerator"]) if row["numerator"] else None
            for row in rows if row["indicator"] == "coverage"}


def _recovered(releases: list[dict[str, float | None]], unchanged: set[str]) -> dict:
    """What a worst-case reader recovers from the releases' coverage numerators: every
    release's additive relations, plus equality of the cells it knows did not change."""
    from registry.indicators.strata import all_strata, relations

    def unknown(r, code):
        return (0, code) if code in unchanged else (r, code)

    def value(r, code):  # absent cells are zeros; an unchanged cell shown anywhere is known
        shown = [cells.get(code, 0.0) for cells in releases] if code in unchanged else []
        return next((v for v in shown if v is not None), releases[r].get(code, 0.0))

    hidden = sorted({unknown(r, code) for r, cells in enumerate(releases)
                     for code in cells if value(r, code) is None})
    column = {key: k for k, key in enumerate(hidden)}
    rows, rhs = [], []
    for r in range(len(releases)):
        for relation in relations():
            row, constant = np.zeros(len(hidden)), 0.0
            for sign, members in ((1.0, (relation.parent,)), (-1.0, relation.children)):
                for code in members:
                    if value(r, code) is None:
                        row[column[unknown(r, code)]] += sign
                    else:
                        constant -= sign * value(r, code)
            if row.any():
                rows.append(row)
                rhs.append(constant)
    assert set(all_strata()) >= {code for cells in releases for code in cells}
    if not rows:
        return {}
    matrix = np.array(rows)
    solution = np.linalg.lstsq(matrix, np.array(rhs), rcond=None)[0]
    _, singular, vt = np.linalg.svd(matrix)
    null = vt[int((singular > 1e-9).sum()):]
    return {key: round(float(solution[k]), 6) for key, k in column.items()
            if null.size == 0 or np.all(np.abs(null[:, k]) < 1e-9)}


@pytest.mark.parametrize("protected", [True, False])
def test_a_cell_suppressed_in_the_provisional_cannot_be_recovered_by_differencing(
        session, period, monkeypatch, protected):
    if not protected:  # the same attack against releases built without the rule succeeds
        monkeypatch.setattr(pure_build, "protect_against_differencing", lambda *args: {})
        monkeypatch.setattr(pure_build, "protect_intervals", lambda *args: {})
    for k in range(6):
        _college(session, period, "KP", k, enrolled=30 + k)
    for k in range(3):  # Balochistan: three colleges, below the minimum of five
        _college(session, period, "BA", k, enrolled=20 + k)
    for k in range(5):
        _college(session, period, "SD", k, enrolled=40 + k)
    provisional = build(session, period, "run-1")
    before = _coverage_numerators(provisional)
    assert before["province=BA"] is None and before["province=SD"] is None  # primary + complement
    for k in range(3, 5):  # two late returns bring Balochistan to five colleges
        _college(session, period, "BA", k, enrolled=20 + k)
    final = build(session, period, "run-2", now=provisional.built_at + timedelta(days=31))
    after = _coverage_numerators(final)
    # the reader knows Sindh's and Khyber Pakhtunkhwa's colleges did not change
    unchanged = {code for code in before.keys() | after.keys()
                 if "province=SD" in code or "province=KP" in code}
    found = _recovered([before, after], unchanged)
    if protected:
        assert (0, "province=BA") not in found
        assert (0, "type=medical;province=BA") not in found
        assert after["province=SD"] is None  # carried forward: unchanged and suppressed before
        assert final.provenance["suppressed_against_earlier_releases"] > 0
        assert national(session, final).revised is True
        assert after["national"] is not None and after["province=KP"] is not None
    else:
        assert after["province=SD"] is not None
        assert found[(0, "province=BA")] == 20 + 21 + 22  # the three colleges' sum, recovered


def test_the_cycle_collector_runs_again_after_a_build_even_a_failed_one():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), service.collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("the build failed")
    assert gc.isenabled()


def test_a_collector_paused_before_the_build_stays_paused_after_it():
    gc.disable()
    try:
        with service.collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
