"""Which command-line arguments are overrides (checked before Hydra runs)."""

from __future__ import annotations

import pytest

from bench.overrides import _override_args


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["budget.limit=5", "-m", "seed=1,2"], ["budget.limit=5", "seed=1,2"]),
        (["--cfg", "job", "seed=1"], ["seed=1"]),
        (["-c", "job", "-p", "budget", "seed=1"], ["seed=1"]),
        (["--info", "config", "seed=1"], ["seed=1"]),
        (["--info", "seed=1"], ["seed=1"]),
        (["-cn", "run", "--config-dir", "/tmp/conf", "foo"], ["foo"]),
        (["--multirun", "--cfg=job", "foo=bar"], ["foo=bar"]),
    ],
)
def test_flags_and_their_values_are_not_overrides(args, expected):
    assert _override_args(args) == expected
