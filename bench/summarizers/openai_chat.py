"""LLM servers as summarizers: any OpenAI-compatible chat-completions endpoint.

vLLM, llama.cpp's server, Ollama, TGI and hosted OpenAI-compatible services all answer
``POST {base_url}/chat/completions``. Per cluster the documents are packed under a word limit
(the server's tokenizer is not at hand; ``packing`` as for the model-based summarizers, without
``map_reduce``), the prompt template shared with ``causal`` (:mod:`bench.summarizers.prompt`)
states the length budget, and the answer is split into sentences; the runner's budget cut still
applies.

Requests run concurrently (``max_concurrency``) with a per-request ``timeout``. A 429, a 5xx, a
timeout, a dropped connection or an answer that is not a chat completion is retried with
exponential backoff and full jitter (``backoff_base * 2**attempt``, capped at ``backoff_max``),
or after the server's ``Retry-After`` when it sends one; other 4xx answers stop the run with the
server's message. Every answer goes into the generation cache the moment it arrives (key: the
endpoint, the model id, the exact messages, every option and the seed), so a killed run resumes
without repeating a request that was answered. The API key comes from the environment variable
named by ``api_key_env`` and is sent only in the ``Authorization`` header: never in the
signature, a cache entry, a result file or a log line.

Per cluster, ``usage`` (tokens, the model id the server reports, the latency and attempts of the
request that produced the summary) is kept with the cached answer, so a rerun served from the
cache writes the same ``summaries.jsonl``; ``request_totals`` counts what this call sent (a
rerun served from the cache: zero requests, and an ``estimated_cost`` of 0.0 when ``prices`` are
set): failed attempts carry no usage, so only answered requests count towards tokens and cost.
"""

from __future__ import annotations

import email.utils
import hashlib
import http.client
import json
import logging
import math
import os
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from bench import __version__
from bench.budget import Budget
from bench.preprocess.packing import Concat, MapReduce, Packing, join_sentences
from bench.preprocess.text import split_sentences
from bench.progress import Progress
from bench.summarizers.cache import GenerationCache
from bench.summarizers.prompt import DEFAULT_PROMPT, compile_template, render_prompt
from bench.types import Cluster

log = logging.getLogger(__name__)

#: Chat-completion options sent as given (anything else is refused: a typo must not be ignored).
OPTIONS = frozenset({
    "temperature", "top_p", "max_tokens", "max_completion_tokens", "seed", "stop",
    "presence_penalty", "frequency_penalty", "n", "logit_bias", "response_format",
})  # fmt: skip
RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
RETRY_AFTER_CAP = 300.0  # seconds: a server asking for more is treated as down
PRICES = frozenset({"input_per_million", "output_per_million"})
#: What ``request_totals`` counts, zero before the first request of a ``summarize()``.
TOTALS = ("requests", "failed_attempts", "prompt_tokens", "completion_tokens", "latency_s")


class RequestFailed(Exception):
    """One attempt failed; ``retry`` says whether another may succeed, ``wait`` when to try."""

    def __init__(self, reason: str, retry: bool, wait: float | None = None) -> None:
        super().__init__(reason)
        self.retry = retry
        self.wait = wait


@dataclass(frozen=True, slots=True)
class Answer:
    """One chat completion: the text and what it cost."""

    text: str
    usage: dict[str, Any]


class WordCounter:
    """Packing's token counter in words: the server's tokenizer is not at hand."""

    def count(self, texts: Sequence[str]) -> list[int]:
        """Whitespace-separated words of each text."""
        return [len(t.split()) for t in texts]

    def truncate(self, text: str, n_tokens: int) -> str:
        """The first ``n_tokens`` words of ``text``."""
        if n_tokens <= 0:
            return ""
        words = text.split(" ")
        kept, n = [], 0
        for word in words:
            n += 1 if word.strip() else 0
            if n > n_tokens:
                break
            kept.append(word)
        return " ".join(kept).rstrip()


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _positive(value: Any, what: str, integer: bool = False) -> Any:
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or value <= 0:
        kind = "integer" if integer else "number"
        raise ValueError(f"openai_chat: {what} must be a positive {kind}, got {value!r}")
    return value


def _price(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
        raise ValueError(f"openai_chat: prices.{key} must be a number >= 0, got {value!r}")
    return float(value)


class OpenAIChat:
    """A summarizer that asks an OpenAI-compatible chat-completions endpoint (module docstring)."""

    kind = "openai_chat"

    def __init__(
        self,
        budget: Budget,
        base_url: str,
        model: str,
        name: str = "openai_chat",
        api_key_env: str | None = "OPENAI_API_KEY",
        prompt: str = DEFAULT_PROMPT,
        system_prompt: str | None = None,
        generation: Mapping[str, Any] | None = None,
        packing: Packing | None = None,
        doc_separator: str = "\n\n",
        max_input_words: int = 6000,
        max_concurrency: int = 4,
        max_retries: int = 6,
        timeout: float = 120.0,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        prices: Mapping[str, float] | None = None,
        seed: int = 0,
        cache_dir: str | None = None,
    ) -> None:
        """Check every option now, before the first request."""
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValueError(f"openai_chat: base_url must be an http(s) URL, got {base_url!r}")
        if not isinstance(model, str) or not model.strip():
            raise ValueError(f"openai_chat: model must name the served model, got {model!r}")
        options = dict(generation or {})
        unknown = sorted(set(options) - OPTIONS)
        if unknown:
            raise ValueError(
                f"openai_chat: unknown generation option(s) {', '.join(unknown)}; "
                f"allowed: {', '.join(sorted(OPTIONS))}"
            )
        if isinstance(packing, MapReduce):
            raise ValueError("openai_chat: packing=map_reduce is not supported (one request each)")
        self.budget = budget
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key_env = api_key_env or None
        self.prompt_source = prompt
        self.template = compile_template(prompt)
        self.system_prompt = system_prompt
        self.options = options
        self.packing = packing if packing is not None else Concat()
        self.separator = self.packing.resolve_separator(doc_separator)
        self.limit = self.packing.resolve_limit(_positive(max_input_words, "max_input_words", True))
        self.max_concurrency = _positive(max_concurrency, "max_concurrency", True)
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"openai_chat: max_retries must be >= 0, got {max_retries!r}")
        self.max_retries = max_retries
        self.timeout = float(_positive(timeout, "timeout"))
        self.backoff_base = float(_positive(backoff_base, "backoff_base"))
        self.backoff_max = float(_positive(backoff_max, "backoff_max"))
        if prices is not None and not isinstance(prices, Mapping):
            raise ValueError(
                f"openai_chat: prices must map {' and/or '.join(sorted(PRICES))} to numbers, "
                f"got {prices!r}"
            )
        unknown_prices = sorted(set(prices or {}) - PRICES)
        if unknown_prices:
            raise ValueError(
                f"openai_chat: unknown price(s) {', '.join(map(str, unknown_prices))}; "
                f"allowed: {', '.join(sorted(PRICES))}"
            )
        self.prices = {k: _price(v, k) for k, v in (prices or {}).items()}
        self.seed = seed
        self.cache = GenerationCache(cache_dir)
        self.counter = WordCounter()
        self.usage: dict[str, dict[str, Any]] = {}
        self.request_totals: dict[str, Any] = {}
        self._lock = threading.Lock()
        render_prompt(self.template, [""], self.separator, budget)  # a template error now

    # -- what determines the output -------------------------------------------------------

    def signature(self) -> dict[str, str]:
        """Endpoint, model, prompt, options, packing and budget: never the API key."""
        return {
            "kind": self.kind,
            "impl": f"mdsbench-{__version__}",
            "base_url": self.base_url,
            "model": self.model,
            "prompt_sha256": hashlib.sha256(self.prompt_source.encode("utf-8")).hexdigest(),
            "system_prompt": repr(self.system_prompt),
            "options": json.dumps(self.options, sort_keys=True),
            "max_input_words": str(self.limit),
            "separator": repr(self.separator),
            **{f"packing.{k}": v for k, v in self.packing.signature().items()},
            "budget": self.budget.signature(),
        }

    def messages(self, cluster: Cluster) -> list[dict[str, str]]:
        """The chat messages for one cluster: its documents packed under the word limit."""
        docs = [join_sentences(d.sentences) for d in cluster.documents]
        packed = self.packing.pack(docs, self.counter, self.limit, self.separator)
        text = render_prompt(self.template, list(packed.parts), self.separator, self.budget)
        messages = [{"role": "user", "content": text}]
        if self.system_prompt:
            messages.insert(0, {"role": "system", "content": self.system_prompt})
        return messages

    def _body(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        return {"model": self.model, "messages": messages, **self.options}

    # -- requests -------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "User-Agent": f"mdsbench/{__version__}"}
        if self.api_key_env:
            key = os.environ.get(self.api_key_env)
            if not key:
                raise ValueError(
                    f"openai_chat: the environment variable {self.api_key_env} (api_key_env) "
                    "is not set; set it, or api_key_env=null for a server without keys"
                )
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def _attempt(self, body: bytes, headers: Mapping[str, str]) -> Answer:
        request = urllib.request.Request(
            f"{self.base_url}/chat/completions", data=body, headers=dict(headers), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = _server_message(exc)
            reason = f"HTTP {exc.code}{': ' + detail if detail else ''}"
            if exc.code in RETRY_STATUS:
                wait_for = retry_after(exc.headers.get("Retry-After"))
                raise RequestFailed(reason, True, wait_for) from None
            if exc.code in (401, 403) and self.api_key_env:
                reason += f" (check the key in ${self.api_key_env})"
            raise RequestFailed(reason, False) from None
        except TimeoutError:
            raise RequestFailed(f"no answer within {self.timeout:g} s (timeout)", True) from None
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, OSError) as exc:
            why = getattr(exc, "reason", None) or exc
            raise RequestFailed(f"connection failed: {why}", True) from None
        try:
            data = json.loads(raw)
            text = data["choices"][0]["message"]["content"]
            if not isinstance(text, str):
                raise TypeError("content is not a string")
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise RequestFailed(f"not a chat completion ({exc})", True) from None
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
        return Answer(
            text,
            {
                "prompt_tokens": usage.get("prompt_tokens"),
                "completion_tokens": usage.get("completion_tokens"),
                "served_model": data.get("model"),
                "finish_reason": data["choices"][0].get("finish_reason"),
            },
        )

    def _backoff(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0.0, min(self.backoff_max, self.backoff_base * 2**attempt))

    def request(self, cluster_id: str, messages: list[dict[str, str]]) -> Answer:
        """One completion, retried as the module docstring says."""
        body = json.dumps(self._body(messages)).encode("utf-8")
        headers = self._headers()
        rng = random.Random(f"{self.seed}:{cluster_id}")
        started = time.monotonic()
        for attempt in range(self.max_retries + 1):
            self._count("requests")
            try:
                answer = self._attempt(body, headers)
            except RequestFailed as exc:
                self._count("failed_attempts")
                if not exc.retry or attempt == self.max_retries:
                    tries = f"{attempt + 1} attempt{'s' if attempt else ''}"
                    raise ValueError(
                        f"openai_chat: cluster {cluster_id!r}: {exc} after {tries} "
                        f"({self.base_url})"
                    ) from None
                pause = exc.wait if exc.wait is not None else self._backoff(attempt, rng)
                if pause > RETRY_AFTER_CAP:
                    raise ValueError(
                        f"openai_chat: cluster {cluster_id!r}: the server asks to wait "
                        f"{pause:.0f} s"
                    ) from None
                log.warning("openai_chat: cluster %s: %s; retry %d/%d in %.1f s",
                            cluster_id, exc, attempt + 1, self.max_retries, pause)  # fmt: skip
                time.sleep(pause)
                continue
            answer.usage["latency_s"] = round(time.monotonic() - started, 3)
            answer.usage["attempts"] = attempt + 1
            return answer
        raise AssertionError("unreachable")

    def _count(self, key: str, amount: float = 1) -> None:
        with self._lock:
            self.request_totals[key] = self.request_totals.get(key, 0) + amount

    # -- the summarizer -------------------------------------------------------------------

    def summarize(self, clusters: Sequence[Cluster]) -> list[str]:
        """One summary per cluster: cached answers first, the rest requested concurrently."""
        signature = self.signature()
        self.request_totals = dict.fromkeys(TOTALS, 0)  # this call's requests only
        inputs = [json.dumps(self.messages(c), ensure_ascii=False) for c in clusters]
        keys = [GenerationCache.key(signature, text) for text in inputs]
        outputs: dict[int, str] = {}
        for i, (cluster, key, text) in enumerate(zip(clusters, keys, inputs, strict=True)):
            entry = self.cache.lookup(key, text)
            if entry is not None:
                outputs[i] = entry[0]
                self.usage[cluster.cluster_id] = {**entry[1], "cached": True}
        todo = [i for i in range(len(clusters)) if i not in outputs]
        if todo:
            log.info("%s: %d of %d clusters from the cache; %d requests to %s",
                     self.name, len(outputs), len(clusters), len(todo), self.base_url)  # fmt: skip
            self._headers()  # a missing key stops the run before any request
        progress = Progress(len(todo), f"{self.name}: requests", unit="request")
        with progress, ThreadPoolExecutor(max_workers=self.max_concurrency) as pool:
            futures: dict[Future[Answer], int] = {
                pool.submit(self.request, clusters[i].cluster_id, json.loads(inputs[i])): i
                for i in todo
            }
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    i = futures[future]
                    try:
                        answer = future.result()
                    except BaseException:
                        for other in pending:
                            other.cancel()
                        raise
                    text = "\n".join(split_sentences(answer.text.strip().split("\n")))
                    outputs[i] = text
                    self.cache.put(keys[i], inputs[i], text, signature, meta=answer.usage)
                    self.usage[clusters[i].cluster_id] = {**answer.usage, "cached": False}
                    self._count("prompt_tokens", answer.usage.get("prompt_tokens") or 0)
                    self._count("completion_tokens", answer.usage.get("completion_tokens") or 0)
                    self._count("latency_s", answer.usage["latency_s"])
                    progress.update()
        totals = self.request_totals
        totals["latency_s"] = round(totals["latency_s"], 3)
        self._add_cost()
        cost = totals.get("estimated_cost")
        log.info("%s: %d requests (%d failed attempts), %d prompt + %d completion tokens%s",
                 self.name, totals["requests"], totals["failed_attempts"], totals["prompt_tokens"],
                 totals["completion_tokens"],
                 "" if cost is None else f"; estimated cost {cost:.10g}")  # fmt: skip
        return [outputs[i] for i in range(len(clusters))]

    def _add_cost(self) -> None:
        """``estimated_cost`` of this call's answered requests, when ``prices`` are set.

        Rounded to 10 decimals: exact for prices with up to 4 decimals per million tokens, and
        no float noise (6 decimals lost the half micro-unit of e.g. 2.5 per million).
        """
        if not self.prices:
            return
        tokens_in = self.request_totals["prompt_tokens"]
        tokens_out = self.request_totals["completion_tokens"]
        cost = (
            tokens_in * self.prices.get("input_per_million", 0.0)
            + tokens_out * self.prices.get("output_per_million", 0.0)
        ) / 1e6
        self.request_totals["estimated_cost"] = round(cost, 10)


def _server_message(exc: urllib.error.HTTPError) -> str:
    """The ``error.message`` of an OpenAI-style error body, on one line (else empty)."""
    try:
        data = json.loads(exc.read() or b"{}")
        message = data.get("error", {}).get("message", "") if isinstance(data, dict) else ""
    except (ValueError, AttributeError, OSError):
        return ""
    return " ".join(str(message).split())[:200]
