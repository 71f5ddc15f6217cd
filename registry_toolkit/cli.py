"""registry-toolkit: compile a return from a college's own records and send it."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import click

from registry_toolkit import __version__
from registry_toolkit.client import (
    RETURNS_PATH,
    RegistryRefused,
    RegistryUnreachable,
    RetryPolicy,
    describe_refusal,
    idempotency_key,
    registry_period,
    returns_url,
    submit,
)
from registry_toolkit.compiler import (
    Compilation,
    ReturnInvalid,
    compile_records,
    payload_bytes,
)
from registry_toolkit.problems import RecordsError
from registry_toolkit.samples import (
    PILOT_PERIOD,
    SamplePeriod,
    SampleSize,
    academic_year,
    write_pilot,
    write_sample,
)
from registry_toolkit.sources import LocalFileError
from registry_toolkit.streams import ReadOptions
from registry_toolkit.summary import render
from registry_toolkit.templates import write_templates
from schemas import SCHEMA_VERSION, SUPPORTED_VERSIONS, ReturnValidationError, validate_return

EXIT_PROBLEMS = 1
EXIT_UNREACHABLE = 3
TOKEN_ENV = "REGISTRY_TOKEN"
FOLDER = click.Path(file_okay=False, path_type=Path)


def _registry_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value and not value.startswith(("http://", "https://")):
        raise click.BadParameter(f"{value!r} is not a web address; write it with http:// or "
                                 "https://, e.g. https://registry.example.pk")
    return value


URL_HELP = ("The registry's address (or REGISTRY_URL): its root, e.g. "
            "https://registry.example.pk, or its API base, https://registry.example.pk/api/v1")


class ToolkitFailure(click.ClickException):
    """A failure reported as readable lines with a chosen exit code."""

    def __init__(self, lines: list[str], exit_code: int = EXIT_PROBLEMS):
        super().__init__("\n".join(lines))
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        """Print the lines to stderr without click's 'Error:' prefix."""
        click.echo(self.format_message(), err=True)


@click.group()
@click.version_option(__version__, prog_name="registry-toolkit")
def main() -> None:
    """Compile a Mentoring Registry return from your own records, check it, send it."""


@main.command("templates")
@click.argument("directory", type=FOLDER)
@click.option("--facts", "facts_format", type=click.Choice(["toml", "csv"]), default="toml",
              show_default=True, help="Write the programme facts as programme.toml or .csv.")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def templates_command(directory: Path, facts_format: str, force: bool) -> None:
    """Write empty record-file templates (header rows) and a programme facts template."""
    _refuse_overwrite(directory, force)
    for path in write_templates(directory, facts_format):
        click.echo(f"wrote {path}")
    click.echo("Fill them in (README.md in registry_toolkit describes every column), then run "
               f"`registry-toolkit compile {directory}`.")


@main.command("sample")
@click.argument("directory", type=FOLDER)
@click.option("--pilot", is_flag=True, help="Write the published pilot (52 Year-1 residents).")
@click.option("--institution", help="Your college's code (default: KP-MED-PUB-001; the "
              "pilot's SD-MED-PVT-001).")
@click.option("--period", "period_code", help="The reporting period: with --url, one the "
              "registry has; without, an academic year such as 2025-26 (the default; the "
              "pilot's own is 2020).")
@click.option("--url", envvar="REGISTRY_URL", callback=_registry_url,
              help=URL_HELP + ". Writes the registry's --period with its dates, or the "
              "period open now.")
@click.option("--seed", default=1, show_default=True, help="Random seed of the synthetic set.")
@click.option("--eligible", default=120, show_default=True, help="Eligible mentees.")
@click.option("--meetings", type=int, help="Meeting rows to write (default 8 per pair).")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def sample_command(directory: Path, pilot: bool, institution: str | None,
                   period_code: str | None, url: str | None, seed: int, eligible: int,
                   meetings: int | None, force: bool) -> None:
    """Write a realistic sample record set (pseudonymous ids only) to try the toolkit on."""
    _refuse_overwrite(directory, force)
    period = _sample_period(url, period_code, pilot)
    if pilot:
        write_pilot(directory, institution or "SD-MED-PVT-001", period or PILOT_PERIOD)
    else:
        write_sample(directory, seed, SampleSize(eligible=eligible, meetings=meetings),
                     institution or "KP-MED-PUB-001", period)
    if period is not None:
        click.echo(f"period {period.code}: {period.starts_on} to {period.ends_on}")
    click.echo(f"wrote a sample record set to {directory}; try `registry-toolkit compile "
               f"{directory}`")


def _sample_period(url: str | None, code: str | None, pilot: bool) -> SamplePeriod | None:
    """The period to write: the registry's (asked at url), an academic year, or None."""
    if url is None:
        try:
            return academic_year(code) if code else None
        except ValueError as error:
            raise click.BadParameter(f"{error}; or give --url to take the period from the "
                                     "registry", param_hint="--period") from None
    try:
        return registry_period(url, code)
    except LookupError as error:
        raise ToolkitFailure([f"The registry at {url}: {error}."]) from None
    except RegistryRefused as refusal:
        raise ToolkitFailure([f"Could not read the periods of the registry at {url}: HTTP "
                              f"{refusal.status}."]) from None
    except RegistryUnreachable as failure:
        raise ToolkitFailure([f"Could not read the periods of the registry at {url}: "
                              f"{failure.reason}."], EXIT_UNREACHABLE) from None


def _refuse_overwrite(directory: Path, force: bool) -> None:
    if directory.is_dir() and any(directory.iterdir()) and not force:
        raise ToolkitFailure([f"{directory} is not empty; choose an empty folder or add "
                              "--force to overwrite the files"])


def reading_options(func: Callable) -> Callable:
    """Add the options shared by compile and submit."""
    func = click.option("--drop-identifying-columns", "drop", is_flag=True,
                        help="Drop columns holding names, phone numbers, CNIC, e-mail or "
                        "addresses instead of refusing the file.")(func)
    func = click.option("--progress/--no-progress", default=None,
                        help="Show a progress bar on big files (default: on a terminal or "
                        "above 100,000 rows).")(func)
    func = click.option("--dry-run", is_flag=True,
                        help="Print exactly the JSON payload that would be sent; write and "
                        "send nothing.")(func)
    func = click.option("--standard", type=click.Choice(SUPPORTED_VERSIONS),
                        default=SCHEMA_VERSION, show_default=True,
                        help="The data standard version to compile (1.1 adds the cohort "
                        "follow-up from the mentees file's intake columns).")(func)
    return click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
                        help="Where to write the return JSON (default: in the records "
                        "folder).")(func)


@main.command("compile")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@reading_options
def compile_command(directory: Path, out: Path | None, dry_run: bool, progress: bool | None,
                    drop: bool, standard: str) -> None:
    """Compile the return from the records in DIRECTORY, check it offline and write it."""
    compilation = _compile(directory, ReadOptions(drop, progress), standard)
    if dry_run:
        click.echo(render(compilation), err=True)
        click.echo(payload_bytes(compilation.payload).decode("utf-8"), nl=False)
        return
    click.echo(render(compilation))
    path = _write(compilation.payload, out or default_out(directory, compilation.payload))
    click.echo(f"\nWrote the return to {path}. Send it with: registry-toolkit submit {path} "
               "--url https://<registry> --token-file <file>")


@main.command("submit")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--url", envvar="REGISTRY_URL", callback=_registry_url, help=URL_HELP + ".")
@click.option("--token-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=f"A file holding your API token (or set {TOKEN_ENV}).")
@click.option("--retries", default=3, show_default=True, type=click.IntRange(0, 10),
              help="Retries after a connection failure or a server error.")
@click.option("--retry-wait", default=1.0, show_default=True, type=click.FloatRange(0, 60),
              help="Seconds before the first retry; doubled each time.")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(1, 600),
              help="Seconds to wait for each answer.")
@reading_options
def submit_command(source: Path, url: str | None, token_file: Path | None, retries: int,
                   retry_wait: float, timeout: float, out: Path | None, dry_run: bool,
                   progress: bool | None, drop: bool, standard: str) -> None:
    """Send the return compiled from SOURCE (a records folder or a return JSON file)."""
    if not url and not dry_run:
        raise click.UsageError("give the registry's address with --url (or REGISTRY_URL)")
    token = None if dry_run else read_token(token_file)
    payload, path = _payload_from(source, out, ReadOptions(drop, progress), dry_run, standard)
    if dry_run:
        target = returns_url(url) if url else "<--url>" + RETURNS_PATH
        click.echo(f"Dry run: would POST to {target} with Idempotency-Key "
                   f"{idempotency_key(payload)}; nothing was sent.", err=True)
        click.echo(payload_bytes(payload).decode("utf-8"), nl=False)
        return
    _send(url, token, payload, path, RetryPolicy(retries, retry_wait, timeout))


def _payload_from(source: Path, out: Path | None, options: ReadOptions,
                  dry_run: bool, standard: str = SCHEMA_VERSION) -> tuple[dict, Path | None]:
    if source.is_file():
        return load_return(source), source
    compilation = _compile(source, options, standard)
    click.echo(render(compilation), err=dry_run)
    if dry_run:
        return compilation.payload, None
    path = _write(compilation.payload, out or default_out(source, compilation.payload))
    click.echo(f"\nWrote the return to {path}.")
    return compilation.payload, path


def _send(url: str, token: str, payload: dict, path: Path, policy: RetryPolicy) -> None:
    def on_retry(attempt: int, reason: str, pause: float) -> None:
        """Say that an attempt failed and when the next one starts."""
        click.echo(f"Attempt {attempt} failed ({reason}); retrying in {pause:g} s", err=True)

    click.echo(f"Sending to {returns_url(url)} ...")
    try:
        answer = submit(url, token, payload, policy, on_retry=on_retry)
    except RegistryRefused as refusal:
        raise ToolkitFailure([*describe_refusal(refusal), f"The return is kept at {path}; "
                              "correct the records (or the token) and submit again."]) from None
    except RegistryUnreachable as failure:
        raise ToolkitFailure([
            f"Could not reach the registry at {url} after {failure.attempts} attempt(s): "
            f"{failure.reason}.",
            f"Nothing is lost: the compiled return is kept at {path}.",
            f"Send it again later with: registry-toolkit submit {path} --url {url}",
        ], EXIT_UNREACHABLE) from None
    body = answer.body
    if answer.replayed:
        click.echo(f"Already received: return {body.get('id')} version {body.get('version')} "
                   f"(HTTP {answer.status}, replayed); no new version was made.")
    else:
        click.echo(f"Submitted: return {body.get('id')} version {body.get('version')}, status "
                   f"{body.get('status')} (HTTP {answer.status}).")


def read_token(token_file: Path | None) -> str:
    """Read the API token from the token file or REGISTRY_TOKEN; it is never printed."""
    if token_file is not None:
        if os.name == "posix" and token_file.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            click.echo(f"Warning: {token_file} is readable by other users; "
                       f"chmod 600 {token_file}", err=True)
        token = token_file.read_text(encoding="utf-8").strip()
    else:
        token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise ToolkitFailure([f"No API token: give --token-file FILE or set {TOKEN_ENV}."])
    return token


def load_return(path: Path) -> dict:
    """Read a return JSON file and check it offline."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ToolkitFailure([f"{path}: not a JSON file ({error})"]) from None
    try:
        validate_return(payload)
    except ReturnValidationError as error:
        raise ToolkitFailure([f"{path} does not meet the data standard; nothing was sent:",
                              *_error_lines(error.errors)]) from None
    return payload


def _error_lines(errors: dict[str, list[str]]) -> list[str]:
    return [f"  {path}: {message}" for path, messages in errors.items() for message in messages]


def _compile(directory: Path, options: ReadOptions,
             standard: str = SCHEMA_VERSION) -> Compilation:
    try:
        return compile_records(directory, options, standard)
    except LocalFileError as error:
        raise ToolkitFailure([str(error)]) from None
    except RecordsError as error:
        raise ToolkitFailure([f"{error.log.total()} problem(s) in the local files; nothing "
                              "was compiled:", *(f"  {line}" for line in error.log.lines())]
                             ) from None
    except ReturnInvalid as error:
        raise ToolkitFailure(["The compiled return breaks the data standard; nothing was "
                              "written:", *(f"  {line}" for line in error.lines())]) from None


def default_out(directory: Path, payload: dict) -> Path:
    """Return the default file name of a compiled return inside the records folder."""
    header = payload["header"]
    return directory / f"return-{header['programme_code']}-{header['period_code']}.json"


def _write(payload: dict, path: Path) -> Path:
    path.write_bytes(payload_bytes(payload))
    return path
