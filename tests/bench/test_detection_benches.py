"""The detection benches still run against the kernel they measure (a kernel refactor once broke one
unnoticed): each on a few listings, as a child process, as a user would run it. Figures are not checked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def run_bench(script: str, *args: str) -> None:
    result = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.slow
def test_disguises_bench_runs(tmp_path: Path) -> None:
    out = tmp_path / "disguises.json"
    run_bench("disguises.py", "--limit", "8", "--json", str(out))
    families = json.loads(out.read_text(encoding="utf-8"))["families"]
    assert families["baseline (no rewrite)"]["n"] > 0


@pytest.mark.slow
def test_quality_bench_runs(tmp_path: Path) -> None:
    out = tmp_path / "quality.json"
    run_bench("quality.py", "--n", "300", "--seeds", "101", "--json", str(out))
    assert json.loads(out.read_text(encoding="utf-8"))
