"""`registry doctor`: check that this environment can do each job the registry does.

Each check is bounded in time and ends as one line: `ok`, `FAIL` (with what to do) or
`skip` (the job is not configured here). A production image runs the doctor before it
serves, so a missing system library or font stops the container with a clear line
instead of becoming a 500 on the first PDF download.
"""

from __future__ import annotations

import dataclasses
import json
import smtplib
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from registry.config import LANGUAGE_FONTS
from registry.pipeline_runs import TriggerSettings
from registry.services.mailer import SmtpSettings

TIMEOUT = 5  # seconds for each connection a check opens (database, Airflow, SMTP)
FONT_LIST_TIMEOUT = 15  # fc-list may build fontconfig's cache on a first run


class CheckFailed(Exception):
    """A check found the environment unable to do its job; the message says why."""


class Skipped(Exception):
    """The job a check covers is not configured in this environment."""


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome: `ok`, `FAIL` or `skip`, what it found, and how long it took."""

    name: str
    status: str
    detail: str
    seconds: float

    def line(self) -> str:
        """Render the result as the one line an operator reads."""
        return f"{self.status:<5} {self.name:<9} {self.detail} ({self.seconds:.1f} s)"


@dataclass(frozen=True)
class Environment:
    """What the checks look at: the app's configuration and the SMTP settings."""

    config: Mapping
    smtp: SmtpSettings | None


def check_database(env: Environment) -> str:
    """Connect to DATABASE_URL and compare its Alembic revision with the code's head."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from registry.migrate import alembic_config

    url = env.config["DATABASE_URL"]
    shown = make_url(url).render_as_string(hide_password=True)
    engine = _doctor_engine(url)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except sa.exc.SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc  # the driver's own words when it has them
        raise CheckFailed(f"cannot connect to {shown}: {_first_line(reason)}") from exc
    finally:
        engine.dispose()
    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    if current != heads:
        found = ", ".join(sorted(current)) or "no schema"
        raise CheckFailed(f"{shown} is at {found}, the code needs {', '.join(sorted(heads))}: "
                          "run `registry migrate`")
    return f"{shown} reachable, migrated to head {', '.join(sorted(heads))}"


def _doctor_engine(url: str) -> sa.Engine:
    """An engine that gives up connecting after TIMEOUT and never creates a SQLite file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not Path(database).is_file():
            raise CheckFailed(f"no SQLite database file at {database}: run `registry migrate`")
        return sa.create_engine(url, poolclass=NullPool, connect_args={"timeout": TIMEOUT})
    if parsed.get_backend_name() == "postgresql":
        return sa.create_engine(url, poolclass=NullPool,
                                connect_args={"connect_timeout": TIMEOUT})
    return sa.create_engine(url, poolclass=NullPool)


def check_airflow(env: Environment) -> str:
    """In `airflow` mode, ask Airflow's health endpoint, then log in as the registry does."""
    settings = TriggerSettings.from_config(env.config)
    if settings.mode != "airflow":
        raise Skipped(f"PIPELINE_MODE is {settings.mode}: Airflow is not used")
    health = _json_request(f"{settings.airflow_url}/api/v2/monitor/health", None)
    if _status(health, "metadatabase") != "healthy":
        raise CheckFailed(f"Airflow at {settings.airflow_url} reports its metadata database "
                          f"{_status(health, 'metadatabase')}")
    token = _json_request(f"{settings.airflow_url}/auth/token",
                          {"username": settings.username, "password": settings.password},
                          advice="check AIRFLOW_USERNAME and AIRFLOW_PASSWORD")
    if not token.get("access_token"):
        raise CheckFailed(f"Airflow at {settings.airflow_url} gave no token to "
                          f"{settings.username}")
    # Reported, not required: the registry talks only to the api-server, and
    # `docker compose run registry …` starts only what the registry depends on.
    parts = ", ".join(f"{part} {_status(health, part)}"
                      for part in ("scheduler", "dag_processor", "triggerer"))
    return f"{settings.airflow_url} answers, logged in as {settings.username}; {parts}"


def _status(health: dict, part: str) -> str:
    """One component's status from Airflow's health document ("unknown" when absent)."""
    return (health.get(part) or {}).get("status") or "unknown"


def _json_request(url: str, body: dict | None, advice: str = "") -> dict:
    """GET (or POST a JSON body) within TIMEOUT; a failure becomes CheckFailed."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={
        "Accept": "application/json", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raise CheckFailed(f"{url} answered HTTP {exc.code} {exc.reason}"
                          + (f": {advice}" if advice else "")) from exc
    except (OSError, ValueError) as exc:
        raise CheckFailed(f"cannot reach {url}: {_first_line(exc)}") from exc


def check_pdf(env: Environment) -> str:
    """Render a one-page document in every enabled language the way the Feedback Report is."""
    from registry.services.releases.feedback_report import render_pdf

    try:
        pdf = render_pdf(_sample_page(env.config["LANGUAGES"]))
    except OSError as exc:  # weasyprint opens Pango, HarfBuzz and fontconfig when imported
        raise CheckFailed(f"weasyprint cannot load a system library ({_first_line(exc)}): "
                          "install the Debian packages docker/Dockerfile.registry installs"
                          ) from exc
    if not (pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-1024:]):
        raise CheckFailed(f"weasyprint returned {len(pdf)} bytes that are not a PDF")
    import weasyprint

    return f"weasyprint {weasyprint.__version__} rendered a one-page PDF ({len(pdf):,} bytes)"


SAMPLE_TEXT = {"en": "Mentoring Registry", "ur": "رجسٹری برائے رہنمائی پروگرام"}


def _sample_page(languages: Collection[str]) -> str:
    """A one-page HTML document with a line in each language, set in that language's font."""
    lines = "".join(
        f'<p lang="{code}" style="font-family: \'{LANGUAGE_FONTS[code].families[0]}\'">'
        f"{SAMPLE_TEXT.get(code, SAMPLE_TEXT['en'])}</p>" for code in languages)
    return f'<!DOCTYPE html><html lang="en"><head><title>registry doctor</title></head>' \
           f"<body>{lines}</body></html>"


def check_charts(env: Environment) -> str:
    """Render a two-bar altair chart to SVG with vl-convert, offline."""
    import altair as alt
    import vl_convert

    chart = alt.Chart(alt.Data(values=[{"x": "a", "y": 1}, {"x": "b", "y": 2}])).mark_bar() \
        .encode(x="x:N", y="y:Q")
    svg = vl_convert.vegalite_to_svg(chart.to_json())
    if "<svg" not in svg:
        raise CheckFailed(f"vl-convert returned no SVG: {svg[:80]!r}")
    return f"vl-convert {vl_convert.__version__} rendered an altair chart as SVG " \
           f"({len(svg):,} bytes)"


def check_fonts(env: Environment) -> str:
    """Ask fontconfig, for each enabled language, for a font family that covers it."""
    found, missing = [], []
    for code in env.config["LANGUAGES"]:
        requirement = LANGUAGE_FONTS[code]
        covering = _families_covering(code)
        family = next((name for name in requirement.families if name in covering), None)
        if family:
            found.append(f"{code}: {family}")
        else:
            missing.append(f"{code} needs one of {', '.join(requirement.families)} "
                           f"(Debian package {requirement.debian_package}); fontconfig finds "
                           f"none covering {code!r}")
    if missing:
        raise CheckFailed("; ".join(missing))
    return "; ".join(found)


def _families_covering(language: str) -> set[str]:
    """Every font family fontconfig has that covers the language's letters."""
    try:
        listed = subprocess.run(["fc-list", f":lang={language}", "family"], check=True,
                                capture_output=True, text=True, timeout=FONT_LIST_TIMEOUT)
    except FileNotFoundError as exc:
        raise CheckFailed("fc-list not found: install the Debian package fontconfig") from exc
    except (subprocess.SubprocessError, OSError) as exc:
        raise CheckFailed(f"fc-list failed: {_first_line(exc)}") from exc
    return {name.strip() for line in listed.stdout.splitlines() for name in line.split(",")}


def check_smtp(env: Environment) -> str:
    """When SMTP_HOST is set, connect, greet, STARTTLS and log in as reminders would."""
    if env.smtp is None:
        raise Skipped("SMTP_HOST is unset: messages appear in the app only")
    settings = dataclasses.replace(env.smtp, timeout=TIMEOUT)
    where = f"{settings.host}:{settings.port}"
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            smtp.ehlo()
            if settings.starttls:
                smtp.starttls()
                smtp.ehlo()
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            smtp.noop()
    except (OSError, smtplib.SMTPException) as exc:
        raise CheckFailed(f"SMTP at {where}: {_first_line(exc)}") from exc
    steps = ["answered"] + (["STARTTLS"] if settings.starttls else []) + (
        [f"logged in as {settings.username}"] if settings.username else [])
    return f"{where} {', '.join(steps)}"


CHECKS: dict[str, Callable[[Environment], str]] = {
    "database": check_database,
    "airflow": check_airflow,
    "pdf": check_pdf,
    "charts": check_charts,
    "fonts": check_fonts,
    "smtp": check_smtp,
}


def run_checks(env: Environment, skip: Collection[str] = ()) -> list[CheckResult]:
    """Run every check not skipped, in order; never raise."""
    return [_run(name, check, env) if name not in skip
            else CheckResult(name, "skip", "skipped on request", 0.0)
            for name, check in CHECKS.items()]


def _run(name: str, check: Callable[[Environment], str], env: Environment) -> CheckResult:
    """Run one check, turning any failure (a missing library too) into a FAIL line."""
    started = time.monotonic()
    try:
        status, detail = "ok", check(env)
    except Skipped as exc:
        status, detail = "skip", str(exc)
    except Exception as exc:  # an import or library error is exactly what the doctor reports
        detail = str(exc) if isinstance(exc, CheckFailed) else \
            f"{type(exc).__name__}: {_first_line(exc)}"
        status = "FAIL"
    return CheckResult(name, status, detail, time.monotonic() - started)


def summary(results: list[CheckResult]) -> str:
    """The closing line: how many checks passed, failed and were skipped."""
    failed = [result.name for result in results if result.status == "FAIL"]
    passed = sum(result.status == "ok" for result in results)
    skipped = len(results) - passed - len(failed)
    if failed:
        return f"registry doctor: FAILED {len(failed)} of {len(results)} checks " \
               f"({', '.join(failed)}); {passed} ok, {skipped} skipped"
    return f"registry doctor: all {passed} checks run passed; {skipped} skipped"


def _first_line(exc: BaseException | str) -> str:
    """The first non-empty line of an error, so each check stays one line."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
