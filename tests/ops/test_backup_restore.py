"""Backup with pg_dump and restore with pg_restore: the restored database matches."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from registry.db import make_engine
from registry.migrate import upgrade
from registry.services.actors import Actor
from registry.services.demo import seed_demo
from tests.conftest import require_postgres
from tests.databases import fresh_postgres_database

DOCKER = Path(__file__).resolve().parents[2] / "docker"


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_restore_into_a_fresh_database_matches_row_counts_and_checksums(tmp_path):
    require_postgres()
    with fresh_postgres_database() as source, fresh_postgres_database() as target:
        upgrade(source)
        engine = make_engine(source)
        with Session(engine) as session:
            seed_demo(session, Actor.system("backup-test"))
            session.commit()
        engine.dispose()
        dump = tmp_path / "registry.dump"
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        subprocess.run(["sh", str(DOCKER / "backup.sh"), libpq(source), str(dump)],
                       check=True, env=env)
        restored = subprocess.run(
            ["sh", str(DOCKER / "restore.sh"), str(dump), libpq(target), libpq(source)],
            capture_output=True, text=True, env=env)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "restore matches the source" in restored.stdout
