"""Backup with pg_dump and restore with pg_restore: the restored database matches."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from registry.db import make_engine
from registry.demo.seed import seed_demo
from registry.migrate import upgrade
from registry.ops import compare
from registry.services.accounts.actors import Actor
from registry.services.releases import releases
from tests.conftest import require_postgres
from tests.databases import fresh_postgres_database
from tests.registry.benchmark_data import closed_period, seven_colleges

DOCKER = Path(__file__).resolve().parents[2] / "docker"


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def seed_with_a_release(url: str) -> None:
    """The demo data plus a published release, so release checksums are compared too."""
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        actor = Actor.system("backup-test")
        seed_demo(session, actor)
        period = closed_period(session, "2019")
        seven_colleges(session, period)
        release = releases.build_release(session, actor, period, releases.ReleaseSettings(),
                                         run_id="backup-test")
        releases.publish_release(session, actor, release)
        session.commit()
    engine.dispose()


def backup_and_restore(source: str, target: str, dump: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    subprocess.run(["sh", str(DOCKER / "backup.sh"), libpq(source), str(dump)],
                   check=True, env=env)
    return subprocess.run(
        ["sh", str(DOCKER / "restore.sh"), str(dump), libpq(target), libpq(source)],
        capture_output=True, text=True, env=env)


def test_restore_into_a_fresh_database_matches_row_counts_and_checksums(tmp_path):
    require_postgres()
    with fresh_postgres_database() as source, fresh_postgres_database() as target:
        seed_with_a_release(source)
        restored = backup_and_restore(source, target, tmp_path / "registry.dump")
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "releases: 1," in restored.stdout
    assert "restore matches the source" in restored.stdout


def test_a_restored_release_export_that_differs_is_reported(tmp_path):
    require_postgres()
    with fresh_postgres_database() as source, fresh_postgres_database() as target:
        seed_with_a_release(source)
        assert backup_and_restore(source, target, tmp_path / "registry.dump").returncode == 0
        engine = make_engine(target)
        with engine.begin() as connection:
            connection.execute(text("UPDATE releases SET export_csv = export_csv || 'x'"))
        engine.dispose()
        differences = compare(libpq(source), libpq(target))
    assert len(differences) == 1
    assert "export_csv hashes to" in differences[0]
