"""Both images install, in the stage that runs the app, what the Python dependencies load.

No Docker engine runs here, so the images are not built in CI: these tests read the
Dockerfiles. weasyprint opens Pango, pangoft2, HarfBuzz's subsetter and fontconfig when it
is imported; without them the first Feedback Report download would be a 500.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from registry.config import LANGUAGE_FONTS

DOCKER = Path(__file__).resolve().parents[2] / "docker"
DOCKERFILES = ("Dockerfile.registry", "Dockerfile.airflow")
WEASYPRINT_PACKAGES = {"libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0",
                       "fontconfig"}
FONT_PACKAGES = {requirement.debian_package for requirement in LANGUAGE_FONTS.values()}
DEBIAN_RELEASE = "bookworm"


def instructions(text: str) -> list[tuple[str, str]]:
    """The Dockerfile's (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    found, pending = [], ""
    for line in text.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if pending and line.lstrip().startswith("#"):
            continue  # Docker drops comment lines inside a continued instruction
        pending += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            keyword, _, arguments = pending.strip().partition(" ")
            found.append((keyword.upper(), arguments.strip()))
            pending = ""
    return found


def final_stage(name: str) -> list[tuple[str, str]]:
    """The instructions of the last stage: the one whose image runs the app."""
    steps = instructions((DOCKER / name).read_text())
    starts = [index for index, (keyword, _) in enumerate(steps) if keyword == "FROM"]
    assert starts, f"{name} has no FROM"
    return steps[starts[-1]:]


def apt_installs(stage: list[tuple[str, str]]) -> list[str]:
    """The RUN instructions of a stage that install Debian packages."""
    return [arguments for keyword, arguments in stage
            if keyword == "RUN" and "apt-get install" in arguments]


def installed_packages(stage: list[tuple[str, str]]) -> set[str]:
    """Every package named after `apt-get install` in the stage (options left out)."""
    packages = set()
    for command in apt_installs(stage):
        for segment in re.findall(r"apt-get install([^&;|]*)", command):
            packages |= {word for word in shlex.split(segment) if not word.startswith("-")}
    return packages


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_image_installs_the_libraries_weasyprint_loads_where_the_app_runs(dockerfile):
    missing = WEASYPRINT_PACKAGES - installed_packages(final_stage(dockerfile))
    assert not missing, f"{dockerfile} does not install {sorted(missing)} in its last stage"


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_image_installs_a_font_for_every_language_the_registry_knows(dockerfile):
    missing = FONT_PACKAGES - installed_packages(final_stage(dockerfile))
    assert not missing, f"{dockerfile} does not install the fonts {sorted(missing)}"


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_image_installs_nothing_more_than_those(dockerfile):
    extra = installed_packages(final_stage(dockerfile)) - WEASYPRINT_PACKAGES - FONT_PACKAGES
    assert not extra, f"{dockerfile} installs {sorted(extra)}, which no dependency loads"


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_apt_installs_without_recommends_and_leaves_no_lists(dockerfile):
    commands = apt_installs(final_stage(dockerfile))
    assert commands, f"{dockerfile} installs no Debian package"
    for command in commands:
        assert "apt-get update" in command
        assert all("--no-install-recommends" in segment
                   for segment in re.findall(r"apt-get install[^&;|]*", command))
        assert "rm -rf /var/lib/apt/lists/*" in command


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_package_names_are_pinned_to_a_debian_release_the_build_checks(dockerfile):
    stage = final_stage(dockerfile)
    assert ("ARG", f"DEBIAN_RELEASE={DEBIAN_RELEASE}") in stage
    for command in apt_installs(stage):
        assert '"$VERSION_CODENAME" != "$DEBIAN_RELEASE"' in command
        assert command.index("VERSION_CODENAME") < command.index("apt-get install")


def test_registry_image_builds_on_the_pinned_debian_release():
    base = final_stage("Dockerfile.registry")[0][1]
    assert base.endswith(f"-slim-{DEBIAN_RELEASE}")


def test_a_multi_stage_file_is_judged_by_its_last_stage():
    text = ("FROM debian:bookworm AS build\nRUN apt-get update && apt-get install -y "
            "--no-install-recommends \\\n    gcc \\\n    # a comment inside\n    make\n"
            "FROM debian:bookworm-slim\n"
            "RUN apt-get install -y --no-install-recommends fontconfig\n")
    steps = instructions(text)
    assert [keyword for keyword, _ in steps] == ["FROM", "RUN", "FROM", "RUN"]
    assert installed_packages(steps[:2]) == {"gcc", "make"}
    assert installed_packages(steps[2:]) == {"fontconfig"}
