"""A regular (non-editable) install must carry every module and data file.

The development install (`pip install -e .`) reads the source tree, so a data file or subpackage left
out of pyproject's explicit package lists passes every other test and breaks only `pip install .`,
the README's quick start.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# source folder -> where its files land in the wheel (pyproject's package-dir)
SHIPPED = {"src/policykb": "policykb", "cli": "policykb/cli", "api": "policykb/api"}


def _source_files() -> set[str]:
    expected = set()
    for folder, target in SHIPPED.items():
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                expected.add(f"{target}/{path.relative_to(ROOT / folder).as_posix()}")
    return expected


def test_wheel_ships_every_module_and_data_file(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("src", "cli", "api"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "wheel")],
        capture_output=True, text=True, timeout=300,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp_path / "wheel").glob("policykb-*.whl"))
    shipped = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(_source_files() - shipped)
    assert not missing, f"left out of the wheel (add them to pyproject's packages / package-data): {missing}"
