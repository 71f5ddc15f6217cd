"""What can be checked of the docker/ recipes without a Docker engine."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

DOCKER = Path(__file__).resolve().parents[2] / "docker"
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


def test_every_variable_compose_uses_is_documented_in_the_env_example():
    used = set(re.findall(r"\$\{(\w+)\}", (DOCKER / "compose.yaml").read_text()))
    documented = {line.split("=", 1)[0] for line in (DOCKER / ".env.example").read_text()
                  .splitlines() if "=" in line and not line.startswith("#")}
    assert used <= documented


def test_registry_image_runs_as_non_root_with_a_health_check():
    dockerfile = (DOCKER / "Dockerfile.registry").read_text()
    assert re.search(r"^USER registry$", dockerfile, re.M)
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert "--constraint requirements.lock" in dockerfile


def test_registry_entrypoint_migrates_then_serves_with_gunicorn():
    commands = [line for line in (DOCKER / "entrypoint-registry.sh").read_text().splitlines()
                if line and not line.startswith(("#", "set "))]
    assert commands == ["registry migrate",
                        'exec gunicorn --config docker/gunicorn.conf.py "registry:create_app()"']


def test_airflow_image_installs_the_pipelines_through_the_lock():
    dockerfile = (DOCKER / "Dockerfile.airflow").read_text()
    assert "AIRFLOW__CORE__DAGS_FOLDER=/opt/registry/pipelines/dags" in dockerfile
    assert "--constraint /opt/registry/requirements.lock" in dockerfile
