"""The wheel carries the YAML definitions; importing the package stays light."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to copy the tree")
def test_wheel_contains_the_instrument_definitions(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    wheel = next(tmp_path.glob("survey_psychometrics-*.whl"))  # the distribution name
    names = zipfile.ZipFile(wheel).namelist()
    yamls = sorted(Path(n).name for n in names if n.startswith("psychometrics/_instruments/"))
    expected = sorted(p.name for p in (ROOT / "instruments").iterdir())
    assert yamls == expected
    assert "psychometrics/datasets/mentorship.csv" in names
    assert "psychometrics/datasets/mentorship-study.yaml" in names
    assert "psychometrics/_instruments/study.schema.json" in names


def test_import_does_not_load_scipy_or_factor_analyzer():
    code = ("import sys, psychometrics; psychometrics.load_instrument('gse');"
            "print(sorted(m for m in ('scipy', 'sklearn', 'factor_analyzer', 'pandas')"
            " if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip() == "[]"
