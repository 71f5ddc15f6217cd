"""What can be checked of the docker/ recipes without a Docker engine."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
AIRFLOW_COMPONENTS = {"airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                      "airflow-triggerer", "airflow-worker"}


def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def test_compose_file_parses_and_has_every_component():
    services = set(compose()["services"])
    assert {"postgres", "redis", "registry", "airflow-init"} | AIRFLOW_COMPONENTS <= services


def test_airflow_runs_celery_workers_on_redis():
    service = compose()["services"]["airflow-worker"]
    assert service["command"] == ["celery", "worker"]
    assert service["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert service["environment"]["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert "inspect ping" in " ".join(service["healthcheck"]["test"])


def test_every_long_running_service_has_a_health_check():
    services = compose()["services"]
    without = {name for name, service in services.items()
               if service.get("restart") != "no" and "healthcheck" not in service}
    # the registry's health check is its image's (HEALTHCHECK on /healthz)
    assert without == {"registry"}
    assert re.search(r"^HEALTHCHECK .*\n.*/healthz", (DOCKER / "Dockerfile.registry")
                     .read_text(), re.M)


def test_airflow_components_report_their_own_jobs_alive():
    services = compose()["services"]
    for name, job in (("airflow-scheduler", "SchedulerJob"),
                      ("airflow-dag-processor", "DagProcessorJob"),
                      ("airflow-triggerer", "TriggererJob")):
        assert f"airflow jobs check --job-type {job}" in " ".join(
            services[name]["healthcheck"]["test"])


def test_registry_starts_once_the_database_and_airflows_api_are_healthy():
    depends_on = compose()["services"]["registry"]["depends_on"]
    assert depends_on == {"postgres": {"condition": "service_healthy"},
                          "airflow-apiserver": {"condition": "service_healthy"}}
    assert "healthcheck" in compose()["services"]["airflow-apiserver"]


def test_every_variable_compose_uses_is_documented_in_the_env_example():
    # $${NAME} is compose's escape for a shell variable inside the container, not a setting
    used = set(re.findall(r"(?<!\$)\$\{(\w+)\}", (DOCKER / "compose.yaml").read_text()))
    documented = {line.split("=", 1)[0] for line in (DOCKER / ".env.example").read_text()
                  .splitlines() if "=" in line and not line.startswith("#")}
    assert used <= documented


def test_registry_image_runs_as_non_root_with_a_health_check():
    dockerfile = (DOCKER / "Dockerfile.registry").read_text()
    assert re.search(r"^USER registry$", dockerfile, re.M)
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert "--constraint requirements.lock" in dockerfile


def test_registry_entrypoint_migrates_checks_then_serves_with_gunicorn():
    commands = [line for line in (DOCKER / "entrypoint-registry.sh").read_text().splitlines()
                if line and not line.startswith(("#", "set "))]
    assert commands == ["registry migrate",
                        'if [ "$#" -gt 0 ]; then exec "$@"; fi',
                        "registry doctor --skip airflow --skip smtp",
                        'exec gunicorn --config docker/gunicorn.conf.py "registry:create_app()"']


def test_registry_entrypoint_given_a_command_migrates_then_runs_it(tmp_path):
    """`docker compose run --rm registry registry doctor`, without Docker."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SMTP_", "PIPELINE_", "AIRFLOW_", "LANGUAGES"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'registry.sqlite3'}",
               PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
               PYTHONPATH=str(ROOT))
    done = subprocess.run(["sh", "docker/entrypoint-registry.sh", "registry", "doctor"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "database at head" in done.stdout
    assert "registry doctor: all 4 checks run passed; 2 skipped" in done.stdout


def test_airflow_image_installs_the_pipelines_through_the_lock():
    dockerfile = (DOCKER / "Dockerfile.airflow").read_text()
    assert "AIRFLOW__CORE__DAGS_FOLDER=/opt/registry/pipelines/dags" in dockerfile
    assert "--constraint /opt/registry/requirements.lock" in dockerfile
