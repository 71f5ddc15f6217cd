"""Settings read from the environment, with safe development defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from schemas.indicators import MIN_PEOPLE_FOR_RATE

DEV_SECRET = "dev-only-not-secret"
PIPELINE_MODES = ("off", "inprocess", "airflow")


@dataclass(frozen=True)
class FontRequirement:
    """The font families that can set a language (any one will do) and their Debian package."""

    families: tuple[str, ...]
    debian_package: str


# Every language the registry can be run in, and the fonts its pages and PDFs need.
# DejaVu Sans sets Latin text; fontconfig does not count it as covering Urdu (it lacks
# letters such as ہ and ے), so Urdu needs one of Noto's Arabic-script families.
LANGUAGE_FONTS = {
    "en": FontRequirement(("DejaVu Sans",), "fonts-dejavu-core"),
    "ur": FontRequirement(("Noto Nastaliq Urdu", "Noto Naskh Arabic", "Noto Sans Arabic"),
                          "fonts-noto-core"),
}


class ConfigurationError(RuntimeError):
    """Raised when the app is configured in a way that is unsafe to run."""


def default_database_url(instance_path: str) -> str:
    """Return the embedded SQLite database under the instance folder."""
    return f"sqlite:///{Path(instance_path) / 'registry.sqlite3'}"


@dataclass(frozen=True, kw_only=True)
class ReleaseSettings:
    """What a benchmark release counts and may publish: the one definition of each setting.

    Read once from configuration (the app's config or a task's environment, by the
    variable names in ENVIRONMENT) and passed down to the release build and computation.
    """

    acceptance_level: str = "validated"
    min_institutions: int = 5  # cells with fewer institutions are suppressed
    min_people: int = MIN_PEOPLE_FOR_RATE  # rates on fewer people are not published
    revision_window_days: int = 30  # from the first provisional release to the final one

    ENVIRONMENT: ClassVar[dict[str, str]] = {
        "acceptance_level": "RELEASE_ACCEPTANCE_LEVEL",
        "min_institutions": "SUPPRESSION_MIN_INSTITUTIONS",
        "min_people": "MIN_PEOPLE_FOR_RATE",
        "revision_window_days": "REVISION_WINDOW_DAYS",
    }

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ReleaseSettings:
        """The settings a configuration (or an environment) gives; defaults for the rest."""
        given = {name: config[variable] for name, variable in cls.ENVIRONMENT.items()
                 if config.get(variable) not in (None, "")}
        # each default's type (str or int) converts the text an environment gives
        return cls(**{name: type(getattr(cls, name))(value) for name, value in given.items()})

    def as_environment(self) -> dict[str, str]:
        """The settings as environment variables, for a pipeline run started from here."""
        return {variable: str(getattr(self, name))
                for name, variable in self.ENVIRONMENT.items()}


def parse_languages(value: str) -> tuple[str, ...]:
    """Read LANGUAGES, a comma-separated list of language codes such as "en,ur"."""
    return tuple(code.strip() for code in value.split(",") if code.strip())


def languages_from(env: Mapping[str, str]) -> tuple[str, ...]:
    """The languages an environment's LANGUAGES enables (English when unset)."""
    return parse_languages(env.get("LANGUAGES", "en"))


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the app configuration from the environment and explicit overrides."""
    env = os.environ
    config = {
        "ENV": env.get("REGISTRY_ENV", "development"),
        "SECRET_KEY": env.get("SECRET_KEY", DEV_SECRET),
        "DATABASE_URL": env.get("DATABASE_URL") or default_database_url(instance_path),
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 5 * 1024 * 1024)),
        "PIPELINE_MODE": env.get("PIPELINE_MODE", "inprocess"),
        "AIRFLOW_API_URL": env.get("AIRFLOW_API_URL", "http://127.0.0.1:8080"),
        "AIRFLOW_USERNAME": env.get("AIRFLOW_USERNAME", "admin"),
        "AIRFLOW_PASSWORD": env.get("AIRFLOW_PASSWORD", ""),
        "AIRFLOW_TIMEOUT": float(env.get("AIRFLOW_TIMEOUT", 5)),
        "RELEASE_SETTINGS": ReleaseSettings.from_config(env),
        "PREVIEW_WORKING_DAYS": int(env.get("PREVIEW_WORKING_DAYS", 5)),
        "CATALOGUE_PUBLISHER": env.get("CATALOGUE_PUBLISHER",
                                       "Pakistan Medical and Dental Council (PMDC)"),
        "CATALOGUE_CONTACT_EMAIL": env.get("CATALOGUE_CONTACT_EMAIL", "registry@pmdc.org.pk"),
        "CATALOGUE_LICENSE": env.get("CATALOGUE_LICENSE",
                                     "https://creativecommons.org/licenses/by/4.0/"),
        "LANGUAGES": languages_from(env),
        "PAGE_SIZE_MAX": 200,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "API_TITLE": "Mentoring Registry API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": None,
        "OPENAPI_REDOC_PATH": None,
        "API_SPEC_OPTIONS": {
            "security": [{"bearer": []}, {}],
            "info": {"description": "The Mentoring Registry's API, version 1. Errors are "
                                    "always {\"error\": {\"code\", \"message\", \"fields\"}}."},
        },
    }
    config.update(overrides or {})
    if config.get("TESTING") and "PIPELINE_MODE" not in env and "PIPELINE_MODE" not in (
            overrides or {}):
        config["PIPELINE_MODE"] = "off"  # a test app runs pipelines only when it asks to
    config["SESSION_COOKIE_SECURE"] = config["ENV"] == "production"
    check_config(config)
    return config


def check_config(config: dict) -> None:
    """Refuse to run production with the development secret, or an unknown pipeline mode."""
    if config["PIPELINE_MODE"] not in PIPELINE_MODES:
        raise ConfigurationError(
            f"PIPELINE_MODE must be one of {', '.join(PIPELINE_MODES)}, "
            f"not {config['PIPELINE_MODE']!r}."
        )
    unknown = [code for code in config["LANGUAGES"] if code not in LANGUAGE_FONTS]
    if unknown or not config["LANGUAGES"]:
        raise ConfigurationError(
            f"LANGUAGES must list one or more of {', '.join(LANGUAGE_FONTS)}, "
            f"not {','.join(config['LANGUAGES'])!r}."
        )
    if config["ENV"] != "development" and config.get("TESTING"):
        return
    if config["ENV"] != "development" and config["SECRET_KEY"] in ("", DEV_SECRET):
        raise ConfigurationError(
            "SECRET_KEY must be set to a private random value outside development "
            f"(REGISTRY_ENV={config['ENV']})."
        )
