"""``bench-run --help``: the tool, its config groups and options, examples; no config dump."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_help_describes_the_groups_and_shows_examples():
    out = subprocess.run(
        [sys.executable, "-m", "bench.run", "--help"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert text.startswith("bench-run: run summarizers over clusters")
    for group in ("summarizer", "metrics", "dataset", "budget", "cleaning", "packing"):
        assert f"\n{group}: " in text
    assert "lexrank" in text and "openai_chat" in text and "rouge155" in text
    assert text.count("\n  bench-run ") == 3  # three example commands
    assert "_target_" not in text and len(text.splitlines()) < 60  # no config dump
