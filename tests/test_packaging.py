"""The distribution: a non-editable install carries the templates, the watchlist and the migrations."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built from a copy of the checkout without its ``build/`` folder: setuptools adds to what is
    there and never removes, so a migration renamed since an earlier build would ship twice."""
    out, source = tmp_path_factory.mktemp("wheel"), tmp_path_factory.mktemp("source") / "tree"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(source)], check=True, capture_output=True, timeout=300)
    return next(out.glob("ai_copyright_tracker-*.whl"))


def test_wheel_ships_templates_data_and_migrations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "tracker/templates/README.md" in names
    assert "tracker/data/watchlist.yaml" in names
    assert "tracker/migrations/script.py.mako" in names
    assert any(n.startswith("tracker/migrations/versions/0001_") for n in names)
    assert "spiders/settings.py" in names
    # tracker demo's stand-ins and their recordings; not the tests' golden files
    assert "tracker/demo/fixtures/courtlistener/routes.json" in names
    assert not any(n.endswith(".expected.json") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "tracker = tracker.cli:run" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_package_seeds_and_finds_its_templates(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True, capture_output=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(target),
           "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'installed.db'}"}
    env.pop("TRACKER_CONFIG", None)
    run = [sys.executable, "-m", "tracker"]
    seeded = subprocess.run([*run, "seed"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert seeded.returncode == 0, seeded.stderr
    shown = subprocess.run([*run, "config", "--json"], cwd=tmp_path, env=env, capture_output=True,
                           text=True)
    assert f'"templates_dir": "{target / "tracker" / "templates"}"' in shown.stdout


def test_scrapy_finds_the_project_from_the_repository_root():
    result = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr


# Lower bounds past the advisories known when they were set (#17): name -> first fixed version.
ADVISORIES = {"starlette": "0.49.1", "jinja2": "3.1.6", "python-multipart": "0.0.18",
              "setuptools": "78.1.1"}


def requirements():
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(line) for line in
            project["dependencies"] + project["optional-dependencies"]["test"]]


def test_dependencies_are_past_known_advisories_and_0x_ones_are_bounded():
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    for requirement in requirements():
        lower = max(Version(s.version) for s in requirement.specifier if s.operator == ">=")
        fixed = ADVISORIES.get(canonicalize_name(requirement.name))
        assert fixed is None or lower >= Version(fixed), requirement
        if lower.major == 0:
            assert any(s.operator == "<" for s in requirement.specifier), f"{requirement} is unbounded"


def test_the_constraints_file_pins_every_dependency_and_the_readme_installs_with_it():
    from packaging.utils import canonicalize_name

    pins = dict(line.split("==", 1) for line in (ROOT / "constraints.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    pins = {canonicalize_name(name): version for name, version in pins.items()}
    for requirement in requirements():
        pinned = pins.get(canonicalize_name(requirement.name))
        assert pinned and requirement.specifier.contains(pinned, prereleases=True), requirement
    readme = (ROOT / "README.md").read_text()
    installs = [line for line in readme.splitlines() if ".venv/bin/pip install" in line]
    assert installs and all("-c constraints.txt" in line for line in installs), installs
    assert "pip freeze --all --exclude-editable" in readme  # how to refresh it
