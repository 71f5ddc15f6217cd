"""Fuzz every operation of the app's own /openapi.json with schemathesis, in-process (WSGI).

Each operation is fuzzed as a college (bearer token of the owning college) and as the
regulator (bearer token), with path parameters either generated or pointing at real
objects (a return with an open issue, a published release, a peer group, a token…), so
both the 404 paths and the documented 200 bodies are exercised. Every response must be
no server error, match its documented status, schema and content type. The number of
examples is bounded (EXAMPLES per operation, principal and mode: valid requests, then
invalid ones) and derandomised, so a run is short and repeatable (FUZZ_EXAMPLES=200 and
FUZZ_NEGATIVE_EXAMPLES=100 for a deeper local run); totals are printed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.registry.access_world import (
    make_college_token,
    make_issue,
    make_peer_group,
    make_principal,
    make_release,
    make_return,
    make_world,
)

# examples per operation and principal: valid requests, then invalid ones (negative mode)
EXAMPLES = {
    GenerationMode.POSITIVE: int(os.environ.get("FUZZ_EXAMPLES", "10")),
    GenerationMode.NEGATIVE: int(os.environ.get("FUZZ_NEGATIVE_EXAMPLES", "5")),
}
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance,
          content_type_conformance]
# a college's token and the regulator's by default; any roles of ROLES for a deeper run
PRINCIPALS = tuple(os.environ.get("FUZZ_PRINCIPALS", "token,regulator").split(","))


@dataclass
class Totals:
    operations: set = field(default_factory=set)
    examples: int = 0
    failures: list = field(default_factory=list)
    nothing_to_negate: int = 0  # operations without a parameter or body to make invalid


def known_objects(session) -> dict:
    """Real objects of the own college, for path parameters that should find something."""
    world = make_world(session)
    return_ = make_return(world)
    issue = make_issue(world, return_)
    return {
        "world": world,
        "return_id": return_.id, "version": 1, "issue_id": issue.id,
        "release_id": make_release(world, published=True).id,
        "group_id": make_peer_group(world).id,
        "token_id": make_college_token(world),
        "institution": world.own.code,
        "programme": return_.programme.code,
    }


def known_parameters(path: str, known: dict) -> dict:
    """The real value of each path parameter of `path`."""
    names = re.findall(r"{(\w+)}", path)
    values = dict(known)
    if path.startswith("/api/v1/periods/"):
        values["code"] = known["world"].period.code
    elif path.startswith("/api/v1/programmes/"):
        values["code"] = known["programme"]
    else:
        values["code"] = known["institution"]
    return {name: values[name] for name in names}


def fuzz_operation(operation, headers: dict, known: dict, totals: Totals) -> None:
    """Fuzz one operation in each generation mode; record failures instead of raising."""
    totals.operations.add(operation.label)
    fixed = known_parameters(operation.path, known)
    for mode, examples in EXAMPLES.items():
        strategies = [operation.as_strategy(mode, headers=headers)]
        if fixed:
            strategies.append(operation.as_strategy(mode, headers=headers,
                                                    path_parameters=fixed))
        try:
            run_examples(st.one_of(strategies), examples, totals)
        except Unsatisfiable:
            if mode is not GenerationMode.NEGATIVE:
                raise
            totals.nothing_to_negate += 1
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis groups its failures
            # in a BaseExceptionGroup; every failure is collected and reported below
            totals.failures.append(f"{operation.label} ({mode.value}): "
                                   f"{type(exc).__name__}: {exc}"[:1200])


def run_examples(strategy, examples: int, totals: Totals) -> None:
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.generate, Phase.shrink])
    @given(case=strategy)
    def run(case):
        totals.examples += 1
        case.call_and_validate(checks=CHECKS)

    run()


def test_every_operation_survives_fuzzing(app, session, capsys):
    known = known_objects(session)
    world = known["world"]
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    totals = Totals()
    for role in PRINCIPALS:
        headers = make_principal(world, role).headers
        for result in schema.get_all_operations():
            fuzz_operation(result.ok(), headers, known, totals)
    with capsys.disabled():
        print(f"\nfuzz: {len(totals.operations)} operations, {totals.examples} examples, "
              f"{len(totals.failures)} failures ({totals.nothing_to_negate} operation × "
              "principal runs had nothing to make invalid)")
    assert len(totals.operations) == len(list(schema.get_all_operations()))
    assert not totals.failures, "\n\n".join(totals.failures)



# --- defects the fuzzer found, pinned --------------------------------------------------------

def test_an_id_beyond_the_database_keys_is_not_found_not_a_server_error(client, session):
    secret = make_principal(make_world(session), "regulator").secret
    response = client.get(f"/api/v1/returns/{2**70}", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_path_ids_document_their_maximum(client):
    spec = client.get("/openapi.json").json
    (parameter,) = spec["paths"]["/api/v1/returns/{return_id}"]["parameters"]
    assert parameter["schema"]["maximum"] == 2**31 - 1


def test_the_audit_csv_export_is_an_operation_of_its_own(client):
    paths = client.get("/openapi.json").json["paths"]
    page = paths["/api/v1/audit"]["get"]["responses"]["200"]["content"]
    export = paths["/api/v1/audit/export.csv"]["get"]["responses"]["200"]["content"]
    assert (set(page), set(export)) == ({"application/json"}, {"text/csv"})


def test_nul_in_a_query_is_a_bad_request_on_every_database(client):
    response = client.get("/api/v1/benchmarks?period=20%0025")
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"query.period": ["contains a NUL character"]}


def test_nul_in_a_json_body_is_a_bad_request(client, session):
    secret = make_principal(make_world(session), "token").secret
    response = client.post("/api/v1/tokens", json={"name": "a\x00b"},
                           headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"json.name": ["contains a NUL character"]}


def test_a_multipart_part_without_a_name_is_a_bad_request(client, session):
    secret = make_principal(make_world(session), "token").secret
    body = b'--b\r\nContent-Disposition: form-data\r\n\r\nhi\r\n--b--\r\n'
    response = client.post("/api/v1/returns/bulk", data=body,
                           content_type="multipart/form-data; boundary=b",
                           headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"
