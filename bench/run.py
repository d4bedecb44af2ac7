"""``bench-run``: summarize every cluster, cut to the budget, score, and record the run.

``main`` is the thin Hydra wrapper; ``run(cfg, out_dir)`` is a plain function that tests call
with a composed config. A failed run leaves no results directory behind, and never touches the
results of an earlier run in its folder: a new set of results replaces the old one as a unit
(:mod:`bench.results.fileset`). Resumed results are checked against the current config, code,
packages and the content hashes of the data, references, precomputed summaries and models.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from bench import __version__
from bench.envvars import env_values, redact_env, redact_logs
from bench.errors import BenchError, check_int
from bench.overrides import check_overrides, guard_hydra_files
from bench.results.records import EXECUTION_KEYS
from bench.types import Cluster

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
CONF_DIR = ROOT / "conf"
GROUPS = (
    "dataset", "summarizer", "packing", "metrics", "budget", "cleaning", "perturb", "stats",
    "paths", "sweep",
)  # fmt: skip

# Everything a run writes into its directory (Hydra adds .hydra/ and <job name>.log).
RESULT_FILES = ("summaries.jsonl", "scores.jsonl", "run.json", "timing.json")
HYDRA_FILES = (".hydra/config.yaml", ".hydra/hydra.yaml", ".hydra/overrides.yaml")
HYDRA_KEPT = ".hydra/results"  # copies of HYDRA_FILES of the run that wrote the results
# Part of the result set (moved in with it, before the markers): a kill cannot separate them.
KEPT_FILES = tuple(f"{HYDRA_KEPT}/{Path(name).name}" for name in HYDRA_FILES)
FAILED_DIR = ".failed"

NAME_MAX = 255  # bytes in one path component on common file systems


def safe_dirname(name: str) -> str:
    r"""``name`` as one path component: no separators, not ``.``/``..``, at most 255 bytes.

    Sweep job folders are named after their overrides, and an override value can be a path
    (``dataset.path=/data/x.jsonl``) or anything a user types: ``/``, ``\`` and NUL are
    %-escaped (and ``%`` itself, so distinct names stay distinct), a leading dot too, and an
    over-long name is cut and suffixed with a hash of the whole. Empty stays empty (a sweep
    without overrides writes into the sweep folder itself, as Hydra does).
    """
    import hashlib

    out = name.replace("%", "%25").replace("/", "%2F").replace("\\", "%5C").replace("\0", "%00")
    if out.startswith("."):
        out = "%2E" + out[1:]
    if len(out.encode("utf-8")) > NAME_MAX:
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]
        head = out.encode("utf-8")[: NAME_MAX - 17].decode("utf-8", "ignore")
        out = f"{head}~{digest}"
    return out


OmegaConf.register_new_resolver("bench_root", lambda: str(ROOT), replace=True)
OmegaConf.register_new_resolver("bench_dirname", safe_dirname, replace=True)


def _instantiate(node: Any, what: str, **kwargs: Any) -> Any:
    from hydra.errors import InstantiationException
    from hydra.utils import instantiate

    try:
        if not kwargs:
            return instantiate(node, _convert_="all")
        # Objects passed as kwargs would be converted to configs by Hydra: bind them after.
        return instantiate(node, _convert_="all", _partial_=True)(**kwargs)
    except InstantiationException as exc:
        cause = exc.__cause__
        if isinstance(cause, BenchError | ValueError | TypeError):
            raise BenchError(f"invalid {what} configuration: {cause}") from cause
        raise
    except (ValueError, TypeError) as exc:
        raise BenchError(f"invalid {what} configuration: {exc}") from exc


def _metric_nodes(cfg: DictConfig) -> dict[str, Any]:
    metrics = cfg.get("metrics") or {}
    nodes = {k: v for k, v in metrics.items() if isinstance(v, DictConfig) and "_target_" in v}
    if not nodes:
        raise BenchError("no metrics selected: choose at least one, e.g. metrics=[rouge]")
    return nodes


def _non_negative_int(value: Any, what: str, minimum: int = 0) -> int:
    try:
        return check_int(value, what, minimum)
    except ValueError as exc:
        raise BenchError(str(exc)) from None


def _result_config(cfg: DictConfig) -> dict[str, Any]:
    """The resolved config as recorded in run.json (execution-only keys left out)."""
    resolved = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(resolved, dict)
    for key in EXECUTION_KEYS:
        resolved.pop(key, None)
    return redact_env(resolved, env_values(cfg))


def _reference_views(
    metric: Any, text: str, cluster: Cluster
) -> tuple[dict[str, dict[str, float]], dict[str, list[float]]]:
    """Scores against each single reference, and with each reference left out in turn.

    Used when there is one cluster: per-reference scores pair systems in significance tests,
    leave-one-out scores give the jackknife interval. Works for any reference-based metric.
    """
    refs = cluster.references
    per_ref = {r.ref_id: metric.score([text], [replace(cluster, references=(r,))])[0] for r in refs}
    loo: dict[str, list[float]] = {}
    if len(refs) >= 2:
        for i in range(len(refs)):
            subset = replace(cluster, references=refs[:i] + refs[i + 1 :])
            for key, value in metric.score([text], [subset])[0].items():
                loo.setdefault(key, []).append(value)
    return per_ref, loo


def metric_details(metric: Any, n: int) -> list[dict[str, Any]]:
    """The per-cluster ``details`` a metric left after ``score()`` (empty dicts if none)."""
    details = getattr(metric, "details", None)
    if details is None:
        return [{} for _ in range(n)]
    if len(details) != n:
        raise BenchError(f"metric {metric.name!r} gave details for {len(details)} of {n} clusters")
    return [dict(d) for d in details]


def run(
    cfg: DictConfig,
    out_dir: Path,
    overrides: Sequence[str] = (),
    previous: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run one configuration and write its result files into ``out_dir``.

    ``previous`` is the run.json of complete earlier results of the same config, code and
    packages in ``out_dir`` (:func:`completed_record`): they are returned as they are when the
    inputs read from outside the config (data, references, precomputed summaries, model weights)
    still have the content hashes recorded there, and recomputed otherwise.
    """
    from bench.memo import load_clusters
    from bench.metrics.base import LENGTH_INFO
    from bench.preprocess.clean import Cleaner, CleaningConfig
    from bench.preprocess.text import flush_split_store, use_split_store
    from bench.results.aggregate import aggregate, check_samples
    from bench.results.fileset import replace_set
    from bench.results.provenance import git_commit, package_versions
    from bench.results.records import atomic_write_json, atomic_write_jsonl, check_scores

    started = time.time()
    redact_logs(cfg)
    seed = _non_negative_int(cfg.seed, "seed")
    n_samples = check_samples(cfg.stats.n_samples, "stats.n_samples")
    stats_seed = _non_negative_int(cfg.stats.seed, "stats.seed")
    budget = _instantiate(cfg.budget, "budget")
    cleaning = _instantiate(cfg.cleaning, "cleaning")
    if not isinstance(cleaning, CleaningConfig):
        raise BenchError("cleaning config must build a bench.preprocess.clean.CleaningConfig")
    source = _instantiate(cfg.dataset, "dataset")
    perturbation = _instantiate(cfg.perturb, "perturb")
    summarizer = _instantiate(cfg.summarizer, "summarizer", budget=budget)
    metrics = {k: _instantiate(v, f"metric {k!r}") for k, v in _metric_nodes(cfg).items()}
    owner: dict[str, str] = {}
    for name, metric in metrics.items():
        for key in metric.higher_is_better:
            if key in owner:
                raise BenchError(
                    f"metrics {owner[key]!r} and {name!r} both produce {key!r}; select one of them"
                )
            owner[key] = name

    load_started = time.time()
    splits = use_split_store(cfg.paths.get("split_cache"))  # a fresh store: counts start at 0
    clusters = perturbation.apply(load_clusters(source, Cleaner(cleaning)))
    load_seconds = time.time() - load_started
    if previous is not None:
        reasons = stale_reasons(previous, _recorded_inputs(source, summarizer, metrics))
        if not reasons:
            log.info("complete results of this config already in %s: skipped", out_dir)
            return previous
        _log_stale(out_dir, reasons)
    log.info("summarizing %d clusters with %s", len(clusters), summarizer.name)
    summarize_started = time.time()
    try:
        raw = summarizer.summarize(clusters)
    except ValueError as exc:
        raise BenchError(f"summarizer {summarizer.name!r}: {exc}") from exc
    if len(raw) != len(clusters):
        raise BenchError(f"summarizer {summarizer.name!r} returned {len(raw)} summaries "
                         f"for {len(clusters)} clusters")  # fmt: skip
    summarized = time.time()
    cuts = [budget.apply(s) for s in raw]
    texts = [c.text for c in cuts]

    per_cluster: list[dict[str, float]] = [budget.lengths(c) for c in cuts]
    loo: list[dict[str, list[float]]] = [{} for _ in clusters]
    per_reference: dict[str, dict[str, float]] = {}
    signatures: dict[str, dict[str, str]] = {}
    bounds: dict[str, tuple[float, float]] = {}
    # Non-numeric output of a metric per cluster (e.g. fact_issues), written beside the scores.
    details: list[dict[str, Any]] = [{} for _ in clusters]
    score_seconds: dict[str, float] = {}
    for name, metric in metrics.items():
        log.info("scoring with %s", name)
        metric_started = time.time()
        try:
            values_per_cluster = metric.score(texts, clusters)
        except ValueError as exc:
            raise BenchError(f"metric {name!r}: {exc}") from exc
        for row, values in zip(per_cluster, values_per_cluster, strict=True):
            row.update(values)
        for row, extra in zip(details, metric_details(metric, len(clusters)), strict=True):
            clash = sorted(set(extra) & (set(row) | {"cluster_id", "summary", "scores"}))
            if clash:
                raise BenchError(f"metric {name!r} details reuse the key(s) {', '.join(clash)}")
            row.update(extra)
        value_range = getattr(metric, "value_range", None)
        if value_range is not None:
            bounds.update({key: tuple(value_range) for key in metric.higher_is_better})
        if len(clusters) == 1 and getattr(metric, "needs_references", False):
            by_ref, metric_loo = _reference_views(metric, texts[0], clusters[0])
            loo[0].update(metric_loo)
            for ref_id, values in by_ref.items():
                per_reference.setdefault(ref_id, {}).update(values)
        signatures[name] = metric.signature()
        score_seconds[name] = round(time.time() - metric_started, 3)

    system = aggregate(per_cluster, loo, n_samples=n_samples, seed=stats_seed, bounds=bounds)
    check_scores({k: v.as_dict() for k, v in system.items()}, "computed scores")
    sig_strings = {}
    for name, sig in signatures.items():
        ci = system[next(iter(metrics[name].higher_is_better))].method
        split = source.signature().get("splitter", "unknown")
        full = {**sig, "split": split, "len": budget.signature(), "ci": ci}
        sig_strings[name] = "|".join(f"{k}:{v}" for k, v in full.items())
    resolved = _result_config(cfg)
    run_record = {
        "mdsbench": __version__,
        "system": summarizer.name,
        "overrides": [o for o in overrides if o.split("=", 1)[0] not in EXECUTION_KEYS],
        "n_clusters": len(clusters),
        "scores": {k: v.as_dict() for k, v in system.items()},
        "metric_signatures": signatures,
        # The metric contract of every key in "scores" (bench.metrics.base.MetricInfo).
        "metric_info": {
            LENGTH_INFO.name: LENGTH_INFO.as_dict(),
            **{name: metric.info.as_dict() for name, metric in metrics.items()},
        },
        "signatures": sig_strings,
        "summarizer_signature": summarizer.signature(),
        "dataset_signature": source.signature(),
        "cleaning": cleaning.signature(),
        "cleaning_config": cleaning.as_dict(),
        "budget": budget.signature(),
        "perturb": perturbation.signature(),
        "seed": seed,
        "config": resolved,
        "git": git_commit(ROOT),
        "packages": package_versions(),
    }
    run_record = redact_env(run_record, env_values(cfg))
    # What a model-based summarizer's input kept of each document (packing accounting).
    input_report = getattr(summarizer, "input_report", None) or {}
    summaries_rows = [
        {
            "cluster_id": cl.cluster_id,
            "summary": cut.text,
            "length_words": cut.n_words,
            "length_sentences": cut.n_sentences,
            **({"length_bytes": cut.n_bytes} if budget.unit == "bytes" else {}),
            "truncated": cut.truncated,
            **({"input": input_report[cl.cluster_id]} if cl.cluster_id in input_report else {}),
        }
        for cl, cut in zip(clusters, cuts, strict=True)
    ]
    score_rows: list[dict[str, Any]] = [
        {"cluster_id": cl.cluster_id, "summary": cut.text, "scores": row, **extra}
        for cl, cut, row, extra in zip(clusters, cuts, per_cluster, details, strict=True)
    ]
    if per_reference:
        score_rows[0]["per_reference"] = per_reference
    try:
        # Into a staging folder first, moved in as one set once complete: until then an earlier
        # complete run in ``out_dir`` stays as it was, whatever happens to this one.
        with replace_set(out_dir, (*KEPT_FILES, *RESULT_FILES)) as staging:
            _copy_hydra(out_dir / ".hydra", staging / HYDRA_KEPT)
            atomic_write_jsonl(staging / "summaries.jsonl", summaries_rows)
            atomic_write_jsonl(staging / "scores.jsonl", score_rows)
            atomic_write_json(staging / "run.json", run_record)
            # Wall-clock times live apart from run.json, which stays byte-identical across reruns.
            finished = time.time()
            timing: dict[str, Any] = {
                "started": started,
                "finished": finished,
                "seconds": round(finished - started, 3),
                "load_seconds": round(load_seconds, 3),
                "summarize_seconds": round(summarized - summarize_started, 3),
                "score_seconds": score_seconds,
            }
            if splits is not None:
                timing["split_store"] = {"hits": splits.hits, "misses": splits.misses}
            cache = getattr(summarizer, "cache", None)
            if cache is not None and getattr(cache, "enabled", False):
                timing["generation_cache"] = {"hits": cache.hits, "misses": cache.misses}
                log.info("generation cache: %d hits, %d misses", cache.hits, cache.misses)
            atomic_write_json(staging / "timing.json", timing)
    except OSError as exc:  # disk full, read-only or vanished folder, quota, ...
        raise BenchError(f"cannot write results to {out_dir}: {exc.strerror or exc}") from exc
    # New sentence splits go to the shared store only once the run has succeeded (apart from
    # batches of SplitStore.batch on very large inputs, which are complete entries too).
    flush_split_store()
    for name, sig in run_record["signatures"].items():
        log.info("%s signature: %s", name, sig)
    return run_record


def user_error(exc: BaseException) -> str | None:
    """The one-line message for errors caused by input or configuration, else None."""
    from hydra.errors import ConfigCompositionException, InstantiationException
    from omegaconf.errors import OmegaConfBaseException

    if isinstance(exc, BenchError):
        return str(exc)
    if isinstance(exc, InstantiationException):
        return " ".join(str(exc).split())
    if isinstance(exc, OmegaConfBaseException | ConfigCompositionException):
        return " ".join(str(exc).split("\n")[0].split())
    return None


def _prune(directory: Path, results_dir: Path) -> None:
    """Remove ``directory`` if empty, then its empty parents strictly inside ``results_dir``."""
    root = results_dir.resolve()
    d = directory.resolve()
    try:
        d.rmdir()
    except OSError:
        return
    d = d.parent
    while d != root and root in d.parents:
        try:
            d.rmdir()
        except OSError:
            return
        d = d.parent


def discard_output(out_dir: Path, results_dir: Path, job_name: str = "run") -> None:
    """Remove what a failed run wrote, and the directories that leaves empty.

    A failed run never wrote a result file: they go to a staging folder (removed on failure)
    and are moved in only once all are written. So only Hydra's record and log of the attempt
    are left, and they go only from a folder without results of an earlier run (those keep
    their files; the log has the failure appended). Never a whole tree is deleted, and parents
    are pruned only while empty and inside ``results_dir``: pointing ``hydra.run.dir`` at an
    existing folder cannot lose anything.
    """
    if any((out_dir / name).exists() for name in RESULT_FILES):
        log.warning("the failed run left the earlier results in %s as they were", out_dir)
        _copy_hydra(out_dir / HYDRA_KEPT, out_dir / ".hydra")  # their .hydra/, not the attempt's
        return
    for name in (*HYDRA_FILES, f"{job_name}.log"):
        (out_dir / name).unlink(missing_ok=True)
    _prune(out_dir / ".hydra", results_dir)
    _prune(out_dir, results_dir)


def _copy_hydra(source: Path, dest: Path) -> None:
    """Copy Hydra's record files (config, hydra, overrides) from ``source`` to ``dest``.

    Hydra rewrites ``.hydra/`` before every attempt; a copy beside the results (``HYDRA_KEPT``)
    puts the record of the run that produced them back after a failed rerun. Missing files
    (results from before this copy existed) are left as they are.
    """
    from bench.results.records import atomic_write_text

    for name in HYDRA_FILES:
        src = source / Path(name).name
        try:
            if src.is_file():
                atomic_write_text(dest / Path(name).name, src.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("cannot copy Hydra's record %s to %s: %s", src, dest, exc)


def _recorded_inputs(source: Any, summarizer: Any, metrics: dict[str, Any]) -> dict[str, Any]:
    """The signatures of a run that hash what it read from outside its config."""
    return {
        "dataset_signature": source.signature(),
        "summarizer_signature": summarizer.signature(),
        "metric_signatures": {name: metric.signature() for name, metric in metrics.items()},
    }


def stale_reasons(record: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Why the earlier results ``record`` are stale against the ``current`` values, if at all.

    The one resume decision, made twice: before loading on the config, code and packages, and
    after loading on the input signatures (:func:`_recorded_inputs`), whose content digests of
    the data, precomputed summaries, model weights and metric resources catch data edited
    outside the repository. Weights whose hub commit could not be resolved
    (``unresolved:<revision>``) cannot be checked and are always a reason.

    Returns:
        Reasons in the order of ``current`` (metrics by name); empty when nothing changed.
    """
    import json

    current = json.loads(json.dumps(current))  # tuples as lists, as they were recorded
    reasons = []
    for key, value in current.items():
        if key == "metric_signatures":
            recorded = record.get(key) or {}
            reasons += [f"metric {n}" for n in sorted(value) if recorded.get(n) != value[n]]
        elif record.get(key) != value:
            reasons.append("code" if key == "git" else key.removesuffix("_signature"))
    signatures = {k: v for k, v in current.items() if k.endswith(("_signature", "_signatures"))}
    if "unresolved:" in json.dumps(signatures):
        reasons.append("model weights (hub commit unresolved, cannot be checked)")
    return reasons


def _log_stale(out_dir: Path, reasons: Sequence[str]) -> None:
    log.info("results in %s are stale (changed since: %s): recomputing", out_dir,
             ", ".join(reasons))  # fmt: skip


def completed_record(out_dir: Path, cfg: DictConfig) -> dict[str, Any] | None:
    """The run.json of a complete earlier run of the same config in ``out_dir``, else None.

    Complete means checked, not assumed: every result file present and parseable, scores that
    pass the one score check (:func:`bench.results.records.check_scores`: finite numbers), and
    the recorded config, git commit and package versions equal to this run's.
    """
    import json

    from bench.results.provenance import git_commit, package_versions
    from bench.results.records import check_scores, read_jsonl

    try:
        if not all((out_dir / name).is_file() for name in RESULT_FILES):
            return None
        record = json.loads((out_dir / "run.json").read_text(encoding="utf-8"))
        json.loads((out_dir / "timing.json").read_text(encoding="utf-8"))
        n = record["n_clusters"]
        if len(read_jsonl(out_dir / "scores.jsonl")) != n:
            return None
        if len(read_jsonl(out_dir / "summaries.jsonl")) != n:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        check_scores(record.get("scores"), out_dir / "run.json")
    except BenchError as exc:
        log.warning("earlier results are not usable (%s): recomputing", exc)
        return None
    current = {
        "config": _result_config(cfg),
        "git": git_commit(ROOT),
        "packages": package_versions(),
    }
    reasons = stale_reasons(record, current)
    if reasons:
        _log_stale(out_dir, reasons)
        return None
    return record


def _hydra_main(cfg: DictConfig) -> None:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from bench.results.fileset import finish_interrupted
    from bench.results.records import atomic_write_json

    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    multirun = hc.mode == RunMode.MULTIRUN
    finish_interrupted(out_dir)  # a results set whose moving-in a kill cut short
    previous = completed_record(out_dir, cfg) if cfg.get("resume", True) else None
    try:
        record = run(cfg, out_dir, overrides=list(hc.overrides.task), previous=previous)
    except BaseException as exc:
        discard_output(out_dir, Path(cfg.paths.results_dir), hc.job.name)
        message = user_error(exc)
        traceback = None
        if message is None:
            if not (multirun and isinstance(exc, Exception)):
                raise
            # An unexpected error fails this job like bad input does: were it raised, Hydra
            # would stop the sweep before its table is rewritten (the previous sweep's table
            # would stay beside new results) and report it a second time. The traceback goes
            # to the failure record.
            import traceback as tb

            message = f"failed: {type(exc).__name__}: {' '.join(str(exc).split())}"
            traceback = tb.format_exc()
        if not multirun:
            print(f"bench-run: error: {message}", file=sys.stderr)
            sys.exit(2)
        # In a sweep the other jobs go on; the sweep callback reports failures and exits 2.
        job = " ".join(hc.overrides.task)
        print(f"bench-run: error: [{job}] {message}", file=sys.stderr)
        try:
            atomic_write_json(
                Path(hc.sweep.dir) / FAILED_DIR / f"{hc.job.num}.json",
                {
                    "overrides": list(hc.overrides.task),
                    "error": message,
                    "output_dir": str(out_dir),
                    **({"traceback": traceback} if traceback else {}),
                },  # fmt: skip
            )
        except OSError as exc:  # the sweep could not report this failure: stop it here
            print(f"bench-run: error: cannot record the failure in {hc.sweep.dir}: {exc}",
                  file=sys.stderr)  # fmt: skip
            sys.exit(2)
        return
    if not multirun:
        _print_run(record, out_dir)


def _print_run(record: dict[str, Any], out_dir: Path) -> None:
    from bench.results.tables import RunSummary, select_columns, to_markdown

    runs = [RunSummary.of(record, out_dir)]
    print(f"\nResults ({out_dir}):\n\n" + to_markdown(runs, select_columns(runs)))


def check_group_choices(args: Sequence[str], conf_dir: Path = CONF_DIR) -> None:
    """Reject an unknown option of a config group with one line, before Hydra composes."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    candidates = [a for a in args if "=" in a and not a.startswith("-")]
    try:
        overrides = OverridesParser.create().parse_overrides(candidates)
    except HydraException:
        return  # Hydra reports syntax errors itself
    for ov in overrides:
        group = ov.key_or_group
        if group not in GROUPS or ov.is_delete():
            continue
        try:
            values = list(ov.sweep_string_iterator()) if ov.is_sweep_override() else [ov.value()]
        except HydraException:
            continue  # e.g. glob(): Hydra expands and checks it itself
        names: list[str] = []
        for v in values:
            if isinstance(v, str) and v.startswith("[") and v.endswith("]"):
                names.extend(x.strip() for x in v[1:-1].split(",") if x.strip())
            elif isinstance(v, list):
                names.extend(str(x) for x in v)
            else:
                names.append(str(v))
        available = sorted(p.stem for p in (conf_dir / group).glob("*.yaml"))
        for name in names:
            if name not in available:
                raise BenchError(f"unknown {group} {name!r}; available: {', '.join(available)}")


def cli() -> None:
    """Console entry point: validate group choices and overrides, then hand over to Hydra."""
    import hydra

    guard_hydra_files()

    try:
        check_group_choices(sys.argv[1:])
        check_overrides(sys.argv[1:], CONF_DIR)
    except BenchError as exc:
        print(f"bench-run: error: {exc}", file=sys.stderr)
        sys.exit(2)
    hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="run")(_hydra_main)()


if __name__ == "__main__":
    cli()
