"""Where mdsbench finds its configs and data: the checkout it runs from, or the installed package.

The repository holds one copy of everything a run reads besides code: ``conf/`` (the Hydra
configs), ``data/`` (the embedded cluster, the labelled fact-check set) and
``reference_summaries/`` (the hand-written references and their guidelines), all at the top
level. A wheel carries copies of these three folders in ``bench/_resources/``, made at build
time by ``setup.py`` from the same top-level folders. Code never builds such a path itself: it
asks this module.

- In a checkout (``pip install -e .``, ``python -m bench.run`` in a clone) the top-level folders
  are used in place and results go to the checkout's ``results/``, wherever the command is run.
- In an installed package the copies in the package are used and results go to ``./results``
  of the current folder.
"""

from __future__ import annotations

from pathlib import Path

from bench import __version__

PACKAGE_DIR = Path(__file__).resolve().parent
# The top-level folders of the repository that a wheel carries (bench/_resources/<name>).
RESOURCE_DIRS = ("conf", "data", "reference_summaries")
RESOURCE_PACKAGE_DIR = "_resources"


def _find_checkout() -> Path | None:
    """The repository holding this package, or None for an installed package."""
    root = PACKAGE_DIR.parent
    if (root / "pyproject.toml").is_file() and (root / "conf" / "run.yaml").is_file():
        return root
    return None


CHECKOUT: Path | None = _find_checkout()
# The folder holding conf/, data/ and reference_summaries/.
ROOT: Path = CHECKOUT if CHECKOUT is not None else PACKAGE_DIR / RESOURCE_PACKAGE_DIR
CONF_DIR = ROOT / "conf"
DATA_DIR = ROOT / "data"
CLUSTER_DIR = DATA_DIR / "clusters"
REFERENCE_DIR = ROOT / "reference_summaries"
DEFAULT_TOLERANCES = CONF_DIR / "compare" / "default.yaml"
# The local `evaluate` module: evaluate.load(str(EVALUATE_ROUGE)).
EVALUATE_ROUGE = PACKAGE_DIR / "metrics" / "evaluate_modules" / "mds_rouge"


def results_dir() -> Path:
    """The default results folder: the checkout's ``results/``, else ``./results``."""
    return CHECKOUT / "results" if CHECKOUT is not None else Path.cwd() / "results"


def installed_note() -> str:
    """What a run records as its code version when there is no git checkout."""
    return f"not a git checkout (installed package mdsbench {__version__})"
