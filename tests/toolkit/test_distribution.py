"""The toolkit as its own distribution: the single-file build runs without the registry."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from registry_toolkit.compiler import compile_records, payload_bytes
from registry_toolkit.samples import write_sample
from registry_toolkit.streams import ReadOptions

ROOT = Path(__file__).resolve().parents[2]
REGISTRY_ONLY = ("registry", "flask", "airflow", "great_expectations", "weasyprint",
                 "sqlalchemy", "pandas", "numpy")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def zipapp(tmp_path_factory) -> Path:
    """`make toolkit-zipapp`, built once for the module (shiv, about 30 s)."""
    output = tmp_path_factory.mktemp("dist") / "registry-toolkit.pyz"
    bin_dir = Path(sys.executable).parent
    build = subprocess.run(
        ["make", "--no-print-directory", "-o", f"{bin_dir}/.installed", f"BIN={bin_dir}",
         f"TOOLKIT_ZIPAPP={output}", "toolkit-zipapp"],
        cwd=ROOT, capture_output=True, text=True, check=False)
    assert build.returncode == 0, build.stdout + build.stderr
    return output


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory) -> Path:
    """The python of a fresh venv holding nothing at all (no pip, no registry)."""
    venv = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    return venv / "bin" / "python"


def run_bare(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["SHIV_ROOT"] = str(cwd / "shiv-root")
    return subprocess.run([str(python), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, check=False)


def test_zipapp_compiles_the_sample_records_where_the_registry_is_not_installed(
        zipapp, bare_python, tmp_path):
    assert run_bare(bare_python, "-c", "import registry", cwd=tmp_path).returncode != 0
    assert run_bare(bare_python, "-c", "import marshmallow", cwd=tmp_path).returncode != 0

    sample = run_bare(bare_python, str(zipapp), "sample", "records", "--seed", "3",
                      cwd=tmp_path)
    compiled = run_bare(bare_python, str(zipapp), "compile", "records", "--out",
                        "return.json", cwd=tmp_path)

    assert sample.returncode == 0, sample.stderr
    assert compiled.returncode == 0, compiled.stderr
    expected = tmp_path / "expected"
    write_sample(expected, seed=3)
    in_tree = compile_records(expected, ReadOptions(drop_identifying=False, progress=False))
    assert (tmp_path / "return.json").read_bytes() == payload_bytes(in_tree.payload)


def test_zipapp_holds_the_toolkit_and_nothing_of_the_registry_service(zipapp):
    with zipfile.ZipFile(zipapp) as archive:
        installed = [name.removeprefix("site-packages/") for name in archive.namelist()
                     if name.startswith("site-packages/")]
    top_level = {name.split("/")[0] for name in installed if "/" in name}

    assert {"registry_toolkit", "schemas", "expectations"} <= top_level
    assert "expectations/within_return.json" in installed
    assert not top_level & set(REGISTRY_ONLY)
