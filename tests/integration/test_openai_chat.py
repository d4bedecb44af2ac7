"""``summarizer=openai_chat`` against a real HTTP server on 127.0.0.1 (``openai_server.py``).

The server answers from a tiny local causal model; faults (429 with Retry-After, 500, slow
answers, dropped connections, malformed JSON) are injected per request and every request is
counted on the server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("transformers")

from openai_server import ChatServer  # noqa: E402

from bench.budget import Budget  # noqa: E402
from bench.summarizers.openai_chat import OpenAIChat, WordCounter, retry_after  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FAULTS = ["429", "500", "drop", "malformed", "slow"]
PRICES = {"input_per_million": 2.5, "output_per_million": 10}
PRICES_OVERRIDE = "summarizer.prices={input_per_million: 2.5, output_per_million: 10}"
NOTHING_SENT = {
    "requests": 0, "failed_attempts": 0, "prompt_tokens": 0, "completion_tokens": 0,
    "latency_s": 0,
}  # fmt: skip


@pytest.fixture(scope="module")
def server(tiny_models):
    with ChatServer(tiny_models["gpt2"]) as srv:
        yield srv


@pytest.fixture
def fresh(server):
    """The shared server with its counters and faults reset."""
    server.faults.clear()
    server.per_prompt.clear()
    server.usage_sent.clear()
    server.requests = server.answered = 0
    server.delay = 0.0
    server.auth.clear()
    return server


def _clusters(cluster, n=4):
    docs = cluster.documents
    return [replace(cluster, cluster_id=f"c{i}", documents=docs[i:] + docs[:i]) for i in range(n)]


def _summarizer(server, cache_dir, **kwargs):
    settings = {
        "base_url": server.base_url,
        "model": "tiny",
        "api_key_env": None,
        "max_input_words": 150,
        "generation": {"max_tokens": 12},
        "backoff_base": 0.05,
        "timeout": 4.0,
        "cache_dir": str(cache_dir),
        **kwargs,
    }
    return OpenAIChat(Budget("words", 100), **settings)


def test_faults_are_retried_to_the_same_summaries_and_a_rerun_sends_nothing(
    fresh, cluster, tmp_path
):
    clusters = _clusters(cluster)
    clean = _summarizer(fresh, tmp_path / "a").summarize(clusters)
    assert fresh.requests == 4 and all(s.strip() for s in clean)

    fresh.faults.extend(FAULTS)
    fresh.slow_seconds = 6.0
    before = fresh.requests
    faulty = _summarizer(fresh, tmp_path / "b", max_concurrency=2)
    started = time.monotonic()
    assert faulty.summarize(clusters) == clean
    assert fresh.requests - before == 4 + len(FAULTS)  # one retry per fault, nothing more
    assert time.monotonic() - started >= 1.0  # the 429's Retry-After: 1 was honoured
    assert faulty.request_totals["requests"] == 4 + len(FAULTS)
    assert faulty.request_totals["failed_attempts"] == len(FAULTS)
    usage = faulty.usage["c0"]
    assert usage["served_model"] == "tiny-gpt2-test" and usage["completion_tokens"] == 12
    assert usage["cached"] is False and usage["attempts"] >= 1

    before = fresh.requests
    again = _summarizer(fresh, tmp_path / "b")
    assert again.summarize(clusters) == clean
    assert fresh.requests == before  # all from the cache
    assert again.usage["c0"] == {**usage, "cached": True}  # usage kept with the answer
    assert again.request_totals == NOTHING_SENT


def test_a_request_that_keeps_failing_stops_with_one_line(fresh, cluster, tmp_path):
    fresh.faults.extend(["500"] * 3)
    summarizer = _summarizer(fresh, tmp_path, max_retries=2)
    with pytest.raises(
        ValueError, match=r"cluster 'c0': HTTP 500: internal error after 3 attempts"
    ):
        summarizer.summarize(_clusters(cluster, 1))
    assert fresh.requests == 3


def test_a_client_error_is_not_retried(fresh, cluster, tmp_path):
    fresh.faults.append("400")
    with pytest.raises(ValueError, match="HTTP 400: bad request: unknown field after 1 attempt"):
        _summarizer(fresh, tmp_path).summarize(_clusters(cluster, 1))
    assert fresh.requests == 1


def test_the_api_key_goes_only_into_the_authorization_header(
    fresh, cluster, tmp_path, monkeypatch, caplog
):
    secret = "sk-test-secret-0123456789"
    monkeypatch.setenv("MDS_TEST_KEY", secret)
    summarizer = _summarizer(fresh, tmp_path / "cache", api_key_env="MDS_TEST_KEY")
    summarizer.summarize(_clusters(cluster, 1))
    assert fresh.auth == [f"Bearer {secret}"]
    assert secret not in json.dumps(summarizer.signature())
    stored = "".join(p.read_text() for p in (tmp_path / "cache").rglob("*.json"))
    assert stored and secret not in stored and secret not in caplog.text

    monkeypatch.delenv("MDS_TEST_KEY")
    unset = _summarizer(fresh, tmp_path / "other", api_key_env="MDS_TEST_KEY")
    with pytest.raises(ValueError, match="environment variable MDS_TEST_KEY"):
        unset.summarize(_clusters(cluster, 1))


def test_options_are_checked_before_any_request():
    budget = Budget("words", 100)
    with pytest.raises(ValueError, match="unknown generation option"):
        OpenAIChat(budget, "http://127.0.0.1:9/v1", "m", generation={"temprature": 0})
    with pytest.raises(ValueError, match="base_url must be an http"):
        OpenAIChat(budget, "127.0.0.1:9", "m")
    with pytest.raises(ValueError, match="max_concurrency must be a positive integer"):
        OpenAIChat(budget, "http://127.0.0.1:9/v1", "m", max_concurrency=0)


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after("3") == 3.0
    assert retry_after(None) is None and retry_after("soon") is None
    later = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    assert 25 <= retry_after(later) <= 31


def test_word_counter_counts_and_truncates_words():
    counter = WordCounter()
    assert counter.count(["a b  c", ""]) == [3, 0]
    assert counter.truncate("one two three four", 2) == "one two"
    assert counter.truncate("one two", 5) == "one two"


def _jsonl(cluster, path: Path, n: int) -> Path:
    rows = [
        {
            "cluster_id": c.cluster_id,
            "documents": [{"doc_id": d.doc_id, "text": d.raw_text} for d in c.documents],
            "references": [{"ref_id": r.ref_id, "text": r.text} for r in c.references],
        }
        for c in _clusters(cluster, n)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _bench_run(server, data: Path, out: Path, *extra: str, sweep: bool = True):
    args = [
        "summarizer=openai_chat",
        f"summarizer.base_url={server.base_url}",
        "summarizer.model=tiny",
        "summarizer.api_key_env=null",
        "summarizer.max_input_words=150",
        "summarizer.generation.max_tokens=12",
        "summarizer.backoff_base=0.05",
        "summarizer.timeout=4.0",
        "dataset=jsonl",
        f"dataset.path={data}",
        "metrics=[rouge]",
        f"paths.cache_dir={out / 'cache'}",
        *extra,
    ]
    where = f"hydra.sweep.dir={out / 'sweep'}" if sweep else f"hydra.run.dir={out / 'run'}"
    cmd = [sys.executable, "-m", "bench.run", *(["-m"] if sweep else []), *args, where]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return cmd, env


def _summaries(folder: Path) -> list[str]:
    rows = folder.joinpath("summaries.jsonl").read_text().splitlines()
    return [json.loads(r)["summary"] for r in rows]


def test_a_sweep_with_faults_gives_the_summaries_of_one_without(fresh, cluster, tmp_path):
    data = _jsonl(cluster, tmp_path / "clusters.jsonl", 3)
    grid = ["budget=words100,sentences3"]
    cmd, env = _bench_run(fresh, data, tmp_path / "clean", *grid)
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=300)
    clean_requests = fresh.requests
    assert clean_requests == 6  # 3 clusters x 2 budgets (the prompt states the limit)

    fresh.faults.extend(FAULTS)
    fresh.slow_seconds = 6.0
    cmd, env = _bench_run(fresh, data, tmp_path / "faulty", *grid)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert fresh.requests - clean_requests == 6 + len(FAULTS)
    for job in ("budget=words100", "budget=sentences3"):
        (faulty_dir,) = (tmp_path / "faulty" / "sweep").glob(f"{job},*")
        (clean_dir,) = (tmp_path / "clean" / "sweep").glob(f"{job},*")
        assert _summaries(faulty_dir) == _summaries(clean_dir)
        timing = json.loads((faulty_dir / "timing.json").read_text())
        assert timing["requests"]["requests"] >= 3
        assert "estimated_cost" not in timing["requests"]  # no prices: no figure, not 0.0
        rows = [json.loads(r) for r in (faulty_dir / "summaries.jsonl").read_text().splitlines()]
        assert all(r["usage"]["served_model"] == "tiny-gpt2-test" for r in rows)

    before = fresh.requests
    cmd, env = _bench_run(fresh, data, tmp_path / "faulty", *grid, "resume=false")
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=300)
    assert fresh.requests == before  # the rerun is served from the generation cache


def test_a_killed_run_resumes_without_repeating_an_answered_request(fresh, cluster, tmp_path):
    data = _jsonl(cluster, tmp_path / "clusters.jsonl", 5)
    fresh.delay = 1.0
    cmd, env = _bench_run(fresh, data, tmp_path, "summarizer.max_concurrency=1", sweep=False)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    deadline = time.time() + 120
    while fresh.answered < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    time.sleep(0.3)  # the client has stored both answers; the third is still being delayed
    answered = {k for k, v in fresh.per_prompt.items() if v}
    assert fresh.answered == 2 and len(answered) == 3  # two answered, one in flight
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    at_kill = dict(fresh.per_prompt)

    fresh.delay = 0.0
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=300)
    repeated = {k: fresh.per_prompt[k] - at_kill.get(k, 0) for k in fresh.per_prompt}
    assert sum(repeated.values()) == 3  # the one in flight at the kill and the two never sent
    assert sum(1 for k, n in at_kill.items() if repeated[k] == 0) == 2  # answered: not again
    assert len(_summaries(tmp_path / "run")) == 5


def _tokens(usages) -> tuple[int, int]:
    usages = list(usages)
    return sum(u["prompt_tokens"] for u in usages), sum(u["completion_tokens"] for u in usages)


def _cost(usages) -> float:
    """What ``PRICES`` make of these usages, computed in decimals (so exactly)."""
    tokens_in, tokens_out = _tokens(usages)
    return float(tokens_in * Decimal("2.5e-6") + tokens_out * Decimal("1e-5"))


def test_bench_run_records_the_estimated_cost_of_its_requests(fresh, cluster, tmp_path):
    data = _jsonl(cluster, tmp_path / "clusters.jsonl", 3)
    cmd, env = _bench_run(fresh, data, tmp_path / "first", PRICES_OVERRIDE, sweep=False)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    sent = list(fresh.usage_sent)
    assert len(sent) == 3 and fresh.requests == 3
    run_dir = tmp_path / "first" / "run"
    requests = json.loads((run_dir / "timing.json").read_text())["requests"]
    assert (requests["prompt_tokens"], requests["completion_tokens"]) == _tokens(sent)
    assert requests["completion_tokens"] == 3 * 12 and requests["prompt_tokens"] > 3 * 12
    assert requests["estimated_cost"] == _cost(sent) > 0  # 2.5 and 10 per million tokens
    rows = [json.loads(r) for r in (run_dir / "summaries.jsonl").read_text().splitlines()]
    assert _cost(r["usage"] for r in rows) == requests["estimated_cost"]
    log_text = (run_dir / "run.log").read_text()
    assert f"estimated cost {requests['estimated_cost']:.10g}" in log_text

    # The same config into another folder, same cache: every answer cached, nothing spent.
    cmd, env = _bench_run(fresh, data, tmp_path / "first", PRICES_OVERRIDE, sweep=False)
    cmd[-1] = f"hydra.run.dir={tmp_path / 'again'}"
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=300)
    assert fresh.requests == 3
    again = json.loads((tmp_path / "again" / "timing.json").read_text())["requests"]
    assert again == {**NOTHING_SENT, "estimated_cost": 0.0}
    rows = [
        json.loads(r) for r in (tmp_path / "again" / "summaries.jsonl").read_text().splitlines()
    ]
    assert _cost(r["usage"] for r in rows) == requests["estimated_cost"]  # what they cost then


def test_failed_attempts_add_nothing_to_the_estimated_cost(fresh, cluster, tmp_path):
    clusters = _clusters(cluster)
    clean = _summarizer(fresh, tmp_path / "clean", prices=PRICES)
    clean.summarize(clusters)
    fresh.usage_sent.clear()

    fresh.faults.extend(["500", "malformed", "drop", "500"])
    faulty = _summarizer(fresh, tmp_path / "faulty", prices=PRICES)
    faulty.summarize(clusters)
    totals = faulty.request_totals
    assert totals["requests"] == 8 and totals["failed_attempts"] == 4
    assert sum(u["attempts"] for u in faulty.usage.values()) == 8
    assert len(fresh.usage_sent) == 4  # only the answers carried usage
    assert totals["estimated_cost"] == _cost(fresh.usage_sent) > 0
    for key in ("prompt_tokens", "completion_tokens", "estimated_cost"):
        assert totals[key] == clean.request_totals[key]  # the same as without the faults


def test_without_prices_no_cost_is_recorded(fresh, cluster, tmp_path):
    summarizer = _summarizer(fresh, tmp_path, prices=None)
    summarizer.summarize(_clusters(cluster, 1))
    assert summarizer.request_totals["prompt_tokens"] > 0
    assert "estimated_cost" not in summarizer.request_totals


def test_prices_are_checked_before_any_request(fresh, cluster, tmp_path):
    budget = Budget("words", 100)
    with pytest.raises(ValueError, match=r"^openai_chat: unknown price\(s\) input_per_1k; allowed: "
                       r"input_per_million, output_per_million$"):  # fmt: skip
        OpenAIChat(budget, "http://127.0.0.1:9/v1", "m", prices={"input_per_1k": 1.0})
    for bad in (-1, "2.5", True, float("nan"), None):
        with pytest.raises(ValueError, match="prices.output_per_million must be a number >= 0"):
            OpenAIChat(budget, "http://127.0.0.1:9/v1", "m", prices={"output_per_million": bad})
    assert OpenAIChat(budget, "http://127.0.0.1:9/v1", "m", prices={"input_per_million": 0})

    data = _jsonl(cluster, tmp_path / "clusters.jsonl", 1)
    cmd, env = _bench_run(fresh, data, tmp_path, "summarizer.prices={input_per_1k: 1}", sweep=False)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    errors = [line for line in out.stderr.splitlines() if line.startswith("bench-run: error:")]
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    assert len(errors) == 1 and "unknown price(s) input_per_1k" in errors[0], out.stderr
    assert fresh.requests == 0 and not (tmp_path / "run" / "timing.json").exists()


def test_a_resumed_run_reports_the_cost_of_its_own_requests(fresh, cluster, tmp_path):
    clusters = _clusters(cluster, 3)
    first = _summarizer(fresh, tmp_path, prices=PRICES)
    first.summarize(clusters[:2])  # then killed, say: the third cluster was never asked
    first_in, first_out = (
        first.request_totals["prompt_tokens"],
        first.request_totals["completion_tokens"],
    )
    fresh.usage_sent.clear()

    resumed = _summarizer(fresh, tmp_path, prices=PRICES)
    resumed.summarize(clusters)
    totals = resumed.request_totals
    assert totals["requests"] == 1 and len(fresh.usage_sent) == 1
    assert totals["estimated_cost"] == _cost(fresh.usage_sent) == _cost([resumed.usage["c2"]])
    assert resumed.usage["c0"]["cached"] and not resumed.usage["c2"]["cached"]

    first.summarize(clusters)  # the same instance again: this call's requests, none
    assert first.request_totals == {**NOTHING_SENT, "estimated_cost": 0.0}
    # What the summaries cost in all stays in their usage, cached answers included.
    assert _tokens(first.usage.values()) == (
        first_in + totals["prompt_tokens"],
        first_out + totals["completion_tokens"],
    )
