"""Every export's checksum is the SHA-256 of the bytes its download endpoint serves."""

from __future__ import annotations

import hashlib

import pytest

from registry.services.accounts.actors import Actor
from registry.services.releases import releases as service
from tests.registry.benchmark_data import closed_period, seven_colleges

SYSTEM = Actor.system("test")
# download path → the release field that records its checksum
EXPORTS = {
    "export.csv": "checksum_sha256",
    "export.json": "json_sha256",
    "export.sdmx.csv": "sdmx_sha256",
}


@pytest.fixture
def release(session):
    period = closed_period(session)
    seven_colleges(session, period)
    release = service.build_release(session, SYSTEM, period, service.ReleaseSettings(),
                                    run_id="checksums")
    service.publish_release(session, SYSTEM, release)
    return release


def test_every_export_route_is_checked_here(app):
    prefix = "/api/v1/releases/<int:release_id>/export"
    routes = {r.rule.rsplit("/", 1)[1] for r in app.url_map.iter_rules()
              if r.rule.startswith(prefix)}
    assert routes == set(EXPORTS)


@pytest.mark.parametrize(("path", "field"), EXPORTS.items())
def test_the_published_checksum_is_the_hash_of_the_served_bytes(client, release, path, field):
    served = client.get(f"/api/v1/releases/{release.id}/{path}")
    published = client.get(f"/api/v1/releases/{release.id}").json
    assert served.status_code == 200
    assert hashlib.sha256(served.data).hexdigest() == published[field] == getattr(release, field)


def test_the_three_exports_have_three_different_checksums(release):
    assert len({getattr(release, field) for field in EXPORTS.values()}) == 3


@pytest.mark.parametrize("path", EXPORTS)
def test_each_download_carries_the_checksum_of_its_own_bytes_as_its_etag(client, release, path):
    served = client.get(f"/api/v1/releases/{release.id}/{path}")
    assert served.headers["ETag"] == f'"{hashlib.sha256(served.data).hexdigest()}"'
