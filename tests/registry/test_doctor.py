"""`registry doctor`: one line per job the environment must do, exit 1 when one cannot."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from registry import create_app
from registry.config import ConfigurationError
from tests.smtp import free_port, smtp_server

IMAGE_ONLY = ("--skip", "pdf", "--skip", "charts")  # the checks that import weasyprint/altair
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_smtp(monkeypatch):
    """Start each test with SMTP unconfigured, whatever the machine's environment says."""
    monkeypatch.delenv("SMTP_HOST", raising=False)


def doctor(config: dict, *args: str):
    """Run `registry doctor` on an app built with this configuration."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test", **config})
    return app.test_cli_runner().invoke(args=["registry", "doctor", *args])


def lines(result) -> dict[str, str]:
    """Each check's line, by check name."""
    return {line.split()[1]: line for line in result.output.splitlines()
            if line.split()[:1] in (["ok"], ["FAIL"], ["skip"])}


def test_doctor_passes_here_on_a_migrated_database(database_url):
    result = doctor({"DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    found = lines(result)
    assert found["database"].startswith("ok    database") and "migrated to head" in found[
        "database"]
    assert found["pdf"].startswith("ok    pdf       weasyprint")
    assert found["charts"].startswith("ok    charts    vl-convert")
    assert found["fonts"].startswith("ok    fonts     en: DejaVu Sans")
    assert found["airflow"].startswith("skip  airflow   PIPELINE_MODE is off")
    assert found["smtp"].startswith("skip  smtp      SMTP_HOST is unset")
    assert "registry doctor: all 4 checks run passed; 2 skipped" in result.output


def test_doctor_fails_with_a_clear_line_on_an_unreachable_database():
    result = doctor({"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/x"}, *IMAGE_ONLY)
    assert result.exit_code == 1
    assert lines(result)["database"].startswith(
        "FAIL  database  cannot connect to postgresql+psycopg://nobody@127.0.0.1:1/x: ")
    assert "Connection refused" in lines(result)["database"]
    assert "registry doctor: FAILED 1 of 6 checks (database)" in result.output


def test_doctor_hides_the_database_password(tmp_path):
    result = doctor({"DATABASE_URL": "postgresql+psycopg://nobody:s3cret@127.0.0.1:1/x"},
                    *IMAGE_ONLY)
    assert "s3cret" not in result.output
    assert "nobody:***@127.0.0.1:1/x" in lines(result)["database"]


def test_doctor_asks_for_a_migration_when_the_database_is_behind(tmp_path):
    path = tmp_path / "empty.sqlite3"
    sqlite3.connect(path).close()
    result = doctor({"DATABASE_URL": f"sqlite:///{path}"}, *IMAGE_ONLY)
    assert result.exit_code == 1
    line = lines(result)["database"]
    assert "is at no schema, the code needs" in line and "run `registry migrate`" in line


def test_doctor_never_creates_a_missing_sqlite_file(tmp_path):
    path = tmp_path / "absent.sqlite3"
    result = doctor({"DATABASE_URL": f"sqlite:///{path}"}, *IMAGE_ONLY)
    assert result.exit_code == 1
    assert f"no SQLite database file at {path}" in lines(result)["database"]
    assert not path.exists()


def test_doctor_names_the_package_when_fontconfigs_tools_are_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an image without the fontconfig package
    result = doctor({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"},
                    *IMAGE_ONLY, "--skip", "database")
    assert result.exit_code == 1
    assert lines(result)["fonts"].startswith(
        "FAIL  fonts     fc-list not found: install the Debian package fontconfig")


def fontconfig_with_only_dejavu(tmp_path) -> str:
    """A real fontconfig configuration that sees DejaVu and no other font, as a bare image."""
    dejavu = subprocess.run(["fc-match", "-f", "%{file}", "DejaVu Sans"], check=True,
                            capture_output=True, text=True).stdout
    assert "DejaVu" in dejavu, f"this machine has no DejaVu Sans ({dejavu!r})"
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        f"<fontconfig><dir>{dejavu.rsplit('/', 1)[0]}</dir>"
        f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>\n")
    return str(config)


def test_doctor_fails_when_an_enabled_language_has_no_font(tmp_path, monkeypatch):
    monkeypatch.setenv("FONTCONFIG_FILE", fontconfig_with_only_dejavu(tmp_path))
    result = doctor({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                     "LANGUAGES": ("en", "ur")}, *IMAGE_ONLY, "--skip", "database")
    assert result.exit_code == 1
    assert lines(result)["fonts"].startswith(
        "FAIL  fonts     ur needs one of Noto Nastaliq Urdu, Noto Naskh Arabic, Noto Sans "
        "Arabic (Debian package fonts-noto-core); fontconfig finds none covering 'ur'")
    assert "en needs" not in result.output


def test_doctor_finds_the_latin_font_through_the_same_fontconfig(tmp_path, monkeypatch):
    monkeypatch.setenv("FONTCONFIG_FILE", fontconfig_with_only_dejavu(tmp_path))
    result = doctor({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"},
                    *IMAGE_ONLY, "--skip", "database")
    assert result.exit_code == 0, result.output
    assert lines(result)["fonts"].startswith("ok    fonts     en: DejaVu Sans")


def test_languages_setting_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LANGUAGES", "en, ur")
    app = create_app({"TESTING": True, "SECRET_KEY": "test",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert app.config["LANGUAGES"] == ("en", "ur")


def test_a_language_without_a_font_requirement_is_refused_at_start(monkeypatch):
    monkeypatch.setenv("LANGUAGES", "en,fr")
    with pytest.raises(ConfigurationError, match="LANGUAGES must list one or more of en, ur"):
        create_app({"TESTING": True, "SECRET_KEY": "test"})


def test_doctor_checks_smtp_when_it_is_configured(tmp_path, monkeypatch):
    with smtp_server() as (_inbox, port):
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(port))
        result = doctor({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"},
                        *IMAGE_ONLY, "--skip", "database")
    assert result.exit_code == 0, result.output
    assert lines(result)["smtp"].startswith(f"ok    smtp      127.0.0.1:{port} answered")


def test_doctor_fails_when_the_configured_smtp_server_does_not_answer(tmp_path, monkeypatch):
    port = free_port()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    result = doctor({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"},
                    *IMAGE_ONLY, "--skip", "database")
    assert result.exit_code == 1
    assert lines(result)["smtp"].startswith(f"FAIL  smtp      SMTP at 127.0.0.1:{port}: ")
    assert "refused" in lines(result)["smtp"]


def test_doctor_fails_when_airflow_mode_cannot_reach_airflow(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    result = doctor({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                     "PIPELINE_MODE": "airflow", "AIRFLOW_API_URL": url},
                    *IMAGE_ONLY, "--skip", "database")
    assert result.exit_code == 1
    assert lines(result)["airflow"].startswith(
        f"FAIL  airflow   cannot reach {url}/api/v2/monitor/health: ")


def test_doctor_fails_on_the_pdf_check_when_pango_is_missing(tmp_path):
    """As on an image without libpango: hide the library in a private mount namespace."""
    pango = subprocess.run(["sh", "-c", "readlink -f \"$(ldconfig -p | awk '/libpango-1.0.so.0 /"
                            "{print $NF; exit}')\""], capture_output=True, text=True).stdout.strip()
    if not pango or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode:
        pytest.skip("needs libpango and `unshare -m` (root) to hide it from one process")
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    env.pop("SMTP_HOST", None)
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", f'mount --bind /dev/null "{pango}" && exec "$@"', "sh",
         sys.executable, "-m", "registry.cli", "doctor", "--skip", "database", "--skip", "charts"],
        env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL  pdf       weasyprint cannot load a system library (cannot load library " \
           "'libpango-1.0-0'" in done.stdout
    assert "install the Debian packages docker/Dockerfile.registry installs" in done.stdout
