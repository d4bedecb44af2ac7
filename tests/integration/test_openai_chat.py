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
from pathlib import Path

import pytest

pytest.importorskip("transformers")

from openai_server import ChatServer  # noqa: E402

from bench.budget import Budget  # noqa: E402
from bench.summarizers.openai_chat import OpenAIChat, WordCounter, retry_after  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FAULTS = ["429", "500", "drop", "malformed", "slow"]


@pytest.fixture(scope="module")
def server(tiny_models):
    with ChatServer(tiny_models["gpt2"]) as srv:
        yield srv


@pytest.fixture
def fresh(server):
    """The shared server with its counters and faults reset."""
    server.faults.clear()
    server.per_prompt.clear()
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
    assert again.request_totals == {}


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
