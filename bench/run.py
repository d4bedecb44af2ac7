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
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from bench import __version__
from bench.core.build import build_metrics, instantiate
from bench.core.scoring import key_bounds, score_summaries
from bench.envvars import env_values, redact_env, redact_logs
from bench.errors import BenchError, check_int
from bench.metrics.base import LENGTH_INFO
from bench.overrides import (
    HYDRA_FILES,
    add_plugin_imports,
    check_group_choices,
    check_overrides,
    guard_hydra_files,
)
from bench.paths import CHECKOUT, CONF_DIR, ROOT, results_dir
from bench.progress import job_position
from bench.results.fileset import FAILED_DIR, prune_empty
from bench.results.runrecord import EXECUTION_KEYS, is_execution_key

log = logging.getLogger(__name__)


# Everything a run writes into its directory (Hydra adds .hydra/ and <job name>.log).
RESULT_FILES = ("summaries.jsonl", "scores.jsonl", "run.json", "timing.json")
HYDRA_KEPT = ".hydra/results"  # copies of HYDRA_FILES of the run that wrote the results
# Part of the result set (moved in with it, before the markers): a kill cannot separate them.
KEPT_FILES = tuple(f"{HYDRA_KEPT}/{Path(name).name}" for name in HYDRA_FILES)
# Fields of a scores.jsonl row and the budget's length keys: no metric may write these names.
RESERVED = ("cluster_id", "summary", "scores", "per_reference", *LENGTH_INFO.keys)

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
OmegaConf.register_new_resolver("bench_results", lambda: str(results_dir()), replace=True)
OmegaConf.register_new_resolver("bench_dirname", safe_dirname, replace=True)


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
    from bench.fileio import atomic_write_json
    from bench.memo import load_clusters
    from bench.preprocess.clean import Cleaner, CleaningConfig
    from bench.preprocess.text import flush_split_store, use_split_store
    from bench.results.aggregate import aggregate, check_samples
    from bench.results.fileset import replace_set
    from bench.results.identity import system_identity
    from bench.results.provenance import git_commit, package_versions
    from bench.results.runrecord import check_scores, write_results
    from bench.summarizers.base import CachesGenerations, ReportsInput, ReportsUsage

    started = time.time()
    redact_logs(cfg)
    seed = _non_negative_int(cfg.seed, "seed")
    n_samples = check_samples(cfg.stats.n_samples, "stats.n_samples")
    stats_seed = _non_negative_int(cfg.stats.seed, "stats.seed")
    budget = instantiate(cfg.budget, "budget")
    cleaning = instantiate(cfg.cleaning, "cleaning")
    if not isinstance(cleaning, CleaningConfig):
        raise BenchError("cleaning config must build a bench.preprocess.clean.CleaningConfig")
    source = instantiate(cfg.dataset, "dataset")
    perturbation = instantiate(cfg.perturb, "perturb")
    summarizer = instantiate(cfg.summarizer, "summarizer", budget=budget)
    metrics = build_metrics(cfg, RESERVED)

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
    position = job_position()
    log.info("%ssummarizing %d clusters with %s", f"{position}: " if position else "",
             len(clusters), summarizer.name)  # fmt: skip
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

    scored = score_summaries(
        texts, clusters, metrics, f"dataset {source.name!r}", RESERVED, views=True
    )
    per_cluster = [
        {**budget.lengths(cut), **values} for cut, values in zip(cuts, scored.scores, strict=True)
    ]
    signatures = {name: metric.signature() for name, metric in metrics.items()}

    system = aggregate(
        per_cluster, scored.loo, n_samples=n_samples, seed=stats_seed, bounds=key_bounds(metrics)
    )
    check_scores({k: v.as_dict() for k, v in system.items()}, "computed scores")
    sig_strings = {}
    for name, sig in signatures.items():
        ci = system[next(iter(metrics[name].info.keys))].method
        split = source.signature().get("splitter", "unknown")
        full = {**sig, "split": split, "len": budget.signature(), "ci": ci}
        sig_strings[name] = "|".join(f"{k}:{v}" for k, v in full.items())
    resolved = _result_config(cfg)
    run_record = {
        "mdsbench": __version__,
        **system_identity(summarizer.name, overrides),
        "overrides": [o for o in overrides if not is_execution_key(o.split("=", 1)[0])],
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
        "git": git_commit(CHECKOUT),
        "packages": package_versions(),
    }
    run_record = redact_env(run_record, env_values(cfg))
    # What a model-based summarizer's input kept of each document (packing accounting).
    input_report = summarizer.input_report if isinstance(summarizer, ReportsInput) else {}
    # What a served model reported per cluster (tokens, model id, latency of the answer used).
    usage = summarizer.usage if isinstance(summarizer, ReportsUsage) else {}
    summaries_rows = [
        {
            "cluster_id": cl.cluster_id,
            "summary": cut.text,
            "length_words": cut.n_words,
            "length_sentences": cut.n_sentences,
            **({"length_bytes": cut.n_bytes} if budget.unit == "bytes" else {}),
            "truncated": cut.truncated,
            **({"input": input_report[cl.cluster_id]} if cl.cluster_id in input_report else {}),
            **({"usage": usage[cl.cluster_id]} if cl.cluster_id in usage else {}),
        }
        for cl, cut in zip(clusters, cuts, strict=True)
    ]
    score_rows: list[dict[str, Any]] = [
        {"cluster_id": cl.cluster_id, "summary": cut.text, "scores": row, **extra}
        for cl, cut, row, extra in zip(clusters, cuts, per_cluster, scored.details, strict=True)
    ]
    if scored.per_reference:
        score_rows[0]["per_reference"] = scored.per_reference
    try:
        # Into a staging folder first, moved in as one set once complete: until then an earlier
        # complete run in ``out_dir`` stays as it was, whatever happens to this one.
        with replace_set(out_dir, (*KEPT_FILES, *RESULT_FILES)) as staging:
            _copy_hydra(out_dir / ".hydra", staging / HYDRA_KEPT)
            run_record = write_results(staging, run_record, summaries_rows, score_rows)
            # Wall-clock times live apart from run.json, which stays byte-identical across reruns.
            finished = time.time()
            timing: dict[str, Any] = {
                "started": started,
                "finished": finished,
                "seconds": round(finished - started, 3),
                "load_seconds": round(load_seconds, 3),
                "summarize_seconds": round(summarized - summarize_started, 3),
                "score_seconds": scored.seconds,
            }
            if splits is not None:
                timing["split_store"] = {"hits": splits.hits, "misses": splits.misses}
            cache = summarizer.cache if isinstance(summarizer, CachesGenerations) else None
            if cache is not None and cache.enabled:
                timing["generation_cache"] = {"hits": cache.hits, "misses": cache.misses}
                log.info("generation cache: %d hits, %d misses", cache.hits, cache.misses)
            if isinstance(summarizer, ReportsUsage) and summarizer.request_totals:
                timing["requests"] = dict(summarizer.request_totals)
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
    prune_empty(out_dir / ".hydra", results_dir)
    prune_empty(out_dir, results_dir)


def _copy_hydra(source: Path, dest: Path) -> None:
    """Copy Hydra's record files (config, hydra, overrides) from ``source`` to ``dest``.

    Hydra rewrites ``.hydra/`` before every attempt; a copy beside the results (``HYDRA_KEPT``)
    puts the record of the run that produced them back after a failed rerun. Missing files
    (results from before this copy existed) are left as they are.
    """
    from bench.fileio import atomic_write_text

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
    pass the one score check (:func:`bench.results.runrecord.check_scores`: finite numbers), and
    the recorded config, git commit and package versions equal to this run's.
    """
    import json

    from bench.fileio import read_jsonl
    from bench.results.provenance import git_commit, package_versions
    from bench.results.runrecord import check_scores

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
        "git": git_commit(CHECKOUT),
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

    from bench.fileio import atomic_write_json
    from bench.results.fileset import finish_interrupted

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
    from bench.results.tables import run_table

    print(f"\nResults ({out_dir}):\n\n" + run_table(record, out_dir))


def cli() -> None:
    """Console entry point: validate group choices and overrides, then hand over to Hydra."""
    import hydra

    guard_hydra_files()

    try:
        check_group_choices(sys.argv[1:], CONF_DIR)
        check_overrides(sys.argv[1:], CONF_DIR)
        add_plugin_imports(sys.argv[1:])
    except BenchError as exc:
        print(f"bench-run: error: {exc}", file=sys.stderr)
        sys.exit(2)
    hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="run")(_hydra_main)()


if __name__ == "__main__":
    cli()
