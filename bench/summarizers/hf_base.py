"""What the transformers summarizers share: loading, devices, packing, batched cached generation.

Subclasses (``hf_seq2seq.Seq2Seq``, ``hf_causal.Causal``) say which ``AutoModelFor*`` class to
load, how a packed input becomes the model's input text, and how generated ids become text.
Everything else lives here once:

- loading by local path or hub id + pinned ``revision``, with one-line errors for a missing
  path and for a hub id that cannot be fetched (offline here); ``trust_remote_code`` is off
  unless the config turns it on, and is part of the signature; weights load from safetensors
  or through torch's ``weights_only`` unpickler;
- device (cpu/cuda/mps/auto) and dtype (float32/float16/bfloat16/auto) selection;
- packing of every cluster with the configured strategy, including two-stage map-reduce;
- batched generation with inputs sorted by length, sampling seeded per input (so outputs do
  not depend on batch composition), the generation cache, progress logging;
- per cluster, how many tokens of each document the model actually saw, measured on the final
  tokenization (``input_report``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from bench import __version__
from bench.budget import Budget
from bench.errors import check_int
from bench.models.hf import (
    TOKENIZER_FILES,
    HFTokens,
    fingerprint,
    hub_commit,
    load_pretrained,
    pick_device,
    pick_dtype,
    require_models_extra,
    resolve_model,
)
from bench.preprocess.packing import Concat, PackedInput, Packing, join_sentences
from bench.preprocess.text import split_sentences
from bench.progress import Progress
from bench.summarizers.cache import GenerationCache, sha256_text
from bench.types import Cluster

log = logging.getLogger(__name__)

# Decoding settings a config may set; they go onto a GenerationConfig (transformers 5 silently
# drops generation arguments set on a model config).
DECODING_KEYS = frozenset({
    "num_beams", "min_new_tokens", "max_new_tokens", "length_penalty", "no_repeat_ngram_size",
    "do_sample", "temperature", "top_p", "top_k", "repetition_penalty", "early_stopping",
    "encoder_no_repeat_ngram_size",
})  # fmt: skip


_POSITIVE_INT = ("num_beams", "max_new_tokens")
_NON_NEGATIVE_INT = ("min_new_tokens", "no_repeat_ngram_size", "top_k",
                     "encoder_no_repeat_ngram_size")  # fmt: skip
_POSITIVE_FLOAT = ("temperature", "repetition_penalty")


def check_decoding(settings: Mapping[str, Any]) -> None:
    """Reject decoding values transformers would accept silently or fail on mid-run."""
    for key, value in settings.items():
        if key in _POSITIVE_INT:
            check_int(value, f"generation.{key}", 1)
        elif key in _NON_NEGATIVE_INT:
            check_int(value, f"generation.{key}", 0)
        elif key in _POSITIVE_FLOAT and (
            isinstance(value, bool) or not isinstance(value, int | float) or value <= 0
        ):
            raise ValueError(f"generation.{key} must be a number > 0, got {value!r}")
        elif key == "top_p" and (isinstance(value, bool) or not 0 < value <= 1):
            raise ValueError(f"generation.top_p must be in (0, 1], got {value!r}")
        elif key == "do_sample" and not isinstance(value, bool):
            raise ValueError(f"generation.do_sample must be true or false, got {value!r}")


def locate(text: str, parts: Sequence[str]) -> list[tuple[int, int] | None]:
    """Character spans of ``parts`` found in order in ``text`` (None when a part is absent)."""
    spans: list[tuple[int, int] | None] = []
    pos = 0
    for part in parts:
        at = text.find(part, pos) if part else -1
        if at < 0:
            spans.append(None)
            continue
        spans.append((at, at + len(part)))
        pos = at + len(part)
    return spans


class HFSummarizer:
    """Base of the transformers summarizers; see the module docstring."""

    kind = "hf"
    padding_side = "right"

    def __init__(
        self,
        budget: Budget,
        model: str,
        packing: Packing | None = None,
        revision: str | None = None,
        name: str = "hf",
        generation: Mapping[str, Any] | None = None,
        batch_size: int = 4,
        max_input_tokens: int | None = None,
        doc_separator: str = "\n\n",
        device: str = "auto",
        dtype: str = "auto",
        seed: int = 0,
        cache_dir: str | None = None,
        num_threads: int | None = None,
        trust_remote_code: bool = False,
    ) -> None:
        """Validate settings and load tokenizer and model once."""
        require_models_extra()
        import torch

        if not isinstance(trust_remote_code, bool):
            raise ValueError(f"trust_remote_code must be true or false, got {trust_remote_code!r}")
        if trust_remote_code:
            log.warning("%s: trust_remote_code=true runs Python code shipped with %s", name, model)
        self.trust_remote_code = trust_remote_code
        self.name = name
        self.budget = budget
        self.packing = packing if packing is not None else Concat()
        self.model_id = model
        self.revision = revision
        self.batch_size = check_int(batch_size, "batch_size", 1)
        self.seed = check_int(seed, "seed")
        if max_input_tokens is not None:
            check_int(max_input_tokens, "max_input_tokens", 1)
        if num_threads is not None:
            torch.set_num_threads(check_int(num_threads, "num_threads", 1))
        self.decoding = dict(generation or {})
        unknown = sorted(set(self.decoding) - DECODING_KEYS)
        if unknown:
            raise ValueError(
                f"unknown generation setting(s) {', '.join(unknown)}; "
                f"allowed: {', '.join(sorted(DECODING_KEYS))}"
            )
        check_decoding(self.decoding)
        self.device = pick_device(device)
        self.torch_dtype = pick_dtype(dtype, self.device)
        self.cache = GenerationCache(cache_dir)
        self.input_report: dict[str, dict[str, Any]] = {}

        self._silence_progress_bars()
        from transformers import AutoConfig

        location, local = resolve_model(model)
        self.location, self.is_local = location, local
        remote = self.trust_remote_code
        self.tokenizer = load_pretrained(
            self._tokenizer_loader(), model, revision, "tokenizer", TOKENIZER_FILES, remote
        )
        self.tokens = HFTokens(self.tokenizer)
        self.config = load_pretrained(
            AutoConfig, model, revision, "model config", trust_remote_code=remote
        )
        # Weights load on the first cache miss: a rerun served from the cache never loads them.
        self._model: Any = None
        if local:
            self.weights = f"sha256:{fingerprint(location)}"
        else:
            commit = hub_commit(model, revision)
            self.weights = f"commit:{commit}" if commit else f"unresolved:{revision}"
            if commit is None and self.cache.enabled:
                log.warning("%s: %s@%s has no resolved commit; cache off", name, model, revision)
                self.cache = GenerationCache(None)
        self.generation_config = self._generation_config()
        self.separator = self.packing.resolve_separator(doc_separator)
        limit = self._model_limit()
        if max_input_tokens is not None:
            limit = min(limit, max_input_tokens)
        self.input_limit = self.packing.resolve_limit(limit)
        self._setup()

    # -- hooks for subclasses ------------------------------------------------------------
    def _model_loader(self) -> Any:
        raise NotImplementedError

    def _tokenizer_loader(self) -> Any:
        from transformers import AutoTokenizer

        return AutoTokenizer

    def _setup(self) -> None:
        """Subclass-specific preparation after loading."""

    def _model_text(self, packed: PackedInput) -> str:
        """The text the model is given for one packed input."""
        return packed.text

    def _overhead(self, n_documents: int) -> int:
        """Input tokens spent on things other than document text."""
        return self.tokenizer.num_special_tokens_to_add()

    def _add_special_tokens(self) -> bool:
        return True

    def _new_tokens(self, output_ids: Any, input_width: int) -> Any:
        return output_ids

    def _extra_signature(self) -> dict[str, str]:
        return {}

    # -- shared machinery ----------------------------------------------------------------
    @property
    def model(self) -> Any:
        """The model, loaded on first use onto the chosen device and dtype."""
        if self._model is None:
            log.info("%s: loading model %s", self.name, self.model_id)
            model = load_pretrained(
                self._model_loader(), self.model_id, self.revision, "model",
                trust_remote_code=self.trust_remote_code,
            )  # fmt: skip
            model.to(device=self.device, dtype=self.torch_dtype)
            model.eval()
            self._model = model
        return self._model

    @staticmethod
    def _silence_progress_bars() -> None:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

    def _model_limit(self) -> int:
        limits = [
            getattr(self.config, "max_position_embeddings", None),
            getattr(self.config, "max_encoder_position_embeddings", None),
            self.tokenizer.model_max_length,
        ]
        usable = [int(v) for v in limits if isinstance(v, int) and 0 < v < 1_000_000]
        if not usable:
            raise ValueError("cannot tell the model's input limit; set max_input_tokens")
        return min(usable)

    def _generation_config(self) -> Any:
        from transformers import GenerationConfig

        try:
            kwargs = {} if self.is_local or self.revision is None else {"revision": self.revision}
            base = GenerationConfig.from_pretrained(self.location, **kwargs)
        except OSError:  # no generation_config.json: the model config's defaults
            base = GenerationConfig.from_model_config(self.config)
        config = GenerationConfig(**base.to_dict())
        for key, value in self.decoding.items():
            setattr(config, key, value)
        try:
            config.validate(strict=True, user_set_attributes=set(self.decoding))
        except (ValueError, TypeError) as exc:
            reason = " ".join(str(exc).split())
            raise ValueError(f"invalid generation settings: {reason}") from exc
        if config.pad_token_id is None:
            pad = self.tokenizer.pad_token_id
            config.pad_token_id = pad if pad is not None else config.eos_token_id
        return config

    def content_limit(self, n_documents: int) -> int:
        """Input tokens available for the packed text of ``n_documents`` documents."""
        overhead = self._overhead(n_documents)
        limit = self.input_limit - overhead
        if limit < 1:
            raise ValueError(
                f"input limit {self.input_limit} leaves no room for documents "
                f"({overhead} tokens of prompt and special tokens)"
            )
        return limit

    def decoding_signature(self) -> dict[str, Any]:
        """The effective decoding settings (the model's defaults with the config's on top)."""
        settings = self.generation_config.to_diff_dict()
        settings.pop("transformers_version", None)
        return settings

    def generation_signature(self) -> dict[str, str]:
        """Everything that determines one generated output for a given input text."""
        import tokenizers
        import torch
        import transformers

        sig = {
            "kind": self.kind,
            "model": "local" if self.is_local else self.model_id,
            "weights": self.weights,
            "trust_remote_code": str(self.trust_remote_code).lower(),
            "decoding": json.dumps(self.decoding_signature(), sort_keys=True),
            "input_limit": str(self.input_limit),
            "dtype": str(self.torch_dtype).removeprefix("torch."),
            "device": self.device,
            "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__,
            "torch": torch.__version__,
            **self.packing.signature(),
            "separator": repr(self.separator),
            **self._extra_signature(),
        }
        if self.generation_config.do_sample:
            sig["seed"] = str(self.seed)
        return sig

    def signature(self) -> dict[str, str]:
        """Generation signature plus the name, model as configured and the budget."""
        return {
            "name": self.name,
            "impl": f"mdsbench-{__version__}",
            "model_id": self.model_id,
            "revision": str(self.revision),
            **self.generation_signature(),
            "budget": self.budget.signature(),
        }

    def _encode(self, texts: Sequence[str]) -> Any:
        self.tokenizer.padding_side = self.padding_side
        self.tokenizer.truncation_side = "right"  # _seen counts what survives at the head
        enc = self.tokenizer(
            list(texts),
            add_special_tokens=self._add_special_tokens(),
            truncation=True,
            max_length=self.input_limit,
            padding=True,
            return_tensors="pt",
        )
        return {k: enc[k].to(self.device) for k in ("input_ids", "attention_mask")}

    def _run_generate(self, texts: Sequence[str]) -> list[str]:
        """Generate for one batch; returns decoded texts in the given order."""
        import torch

        enc = self._encode(texts)
        with torch.inference_mode():
            out = self.model.generate(**enc, generation_config=self.generation_config)
        new = self._new_tokens(out, enc["input_ids"].shape[1])
        return [t.strip() for t in self.tokenizer.batch_decode(new, skip_special_tokens=True)]

    def _sample_one(self, text: str) -> str:
        """Sampling, seeded from (seed, input): the output does not depend on batching."""
        import torch

        seed = int(sha256_text(f"{self.seed}\0{text}")[:15], 16)
        devices = [] if self.device == "cpu" else None
        with torch.random.fork_rng(devices=devices, device_type=self.device):
            torch.manual_seed(seed)
            return self._run_generate([text])[0]

    def batches(self, texts: Sequence[str]) -> list[list[str]]:
        """Generation batches: longest first, so similar lengths share a batch (little padding).

        Length in characters: a close proxy that costs no tokenization. Sampling goes one input
        at a time (each input has its own seed).
        """
        ordered = sorted(texts, key=len, reverse=True)
        step = 1 if self.generation_config.do_sample else self.batch_size
        return [ordered[i : i + step] for i in range(0, len(ordered), step)]

    def generate(self, texts: Sequence[str]) -> list[str]:
        """Outputs for model input texts: cached ones read, the rest generated in sorted batches."""
        gen_sig = self.generation_signature()
        keys = [self.cache.key(gen_sig, t) for t in texts]
        results: dict[str, str] = {}
        todo: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key in results or key in todo:
                continue
            cached = self.cache.get(key, text)
            if cached is None:
                todo[key] = text
            else:
                results[key] = cached
        texts_todo = list(todo.values())
        key_of = dict(zip(texts_todo, todo, strict=True))
        with Progress(len(texts_todo), f"{self.name}: generating", unit="input") as progress:
            for batch in self.batches(texts_todo):
                if self.generation_config.do_sample:
                    outputs = [self._sample_one(batch[0])]
                else:
                    outputs = self._run_generate(batch)
                for text, output in zip(batch, outputs, strict=True):
                    results[key_of[text]] = output
                    self.cache.put(key_of[text], text, output, gen_sig)
                progress.update(len(batch))
        return [results[k] for k in keys]

    def _seen(self, model_text: str, packed: PackedInput, totals: Sequence[int]) -> list[dict]:
        """Per document: tokens in the packed input that survive the final tokenization."""
        keep = self.input_limit
        if self._add_special_tokens():
            keep -= self.tokenizer.num_special_tokens_to_add()
        kept = self.tokens.offsets([model_text])[0][:keep]
        starts = kept[kept[:, 1] > kept[:, 0], 0]
        seen = [0] * len(totals)
        for doc, span in zip(packed.doc_index, locate(model_text, packed.parts), strict=True):
            if span is not None:
                seen[doc] = int(np.count_nonzero((starts >= span[0]) & (starts < span[1])))
        return [{"tokens_seen": s, "tokens_total": t} for s, t in zip(seen, totals, strict=True)]

    def _input_tokens(self, model_text: str) -> int:
        specials = self.tokenizer.num_special_tokens_to_add() if self._add_special_tokens() else 0
        return self.tokens.count([model_text])[0] + specials

    def _fit(
        self, pack: Callable[[int], PackedInput | None], n_documents: int
    ) -> PackedInput | None:
        """Pack, then shrink the content budget until the final model input fits the limit.

        Token counts of pieces do not add up exactly (merges across a separator, characters
        split into several byte tokens), so the packed input is measured as the model sees it.
        """
        budget = self.content_limit(n_documents)
        for _ in range(8):
            packed = pack(budget)
            if packed is None:
                return None
            excess = self._input_tokens(self._model_text(packed)) - self.input_limit
            if excess <= 0:
                return packed
            budget -= excess
            if budget < 1:
                break
        raise ValueError(f"cannot fit the documents into {self.input_limit} input tokens")

    def summarize(self, clusters: Sequence[Cluster]) -> list[str]:
        """Pack, generate (map-reduce in two stages), one sentence per line."""
        docs = [[list(d.sentences) for d in c.documents] for c in clusters]
        reports: list[dict[str, Any]] = [{"input_limit": self.input_limit} for _ in clusters]
        if self.packing.hierarchical:
            map_one = self.packing.map_input  # type: ignore[attr-defined]
            stage_one = [
                [
                    p
                    for i, d in enumerate(cd)
                    if (p := self._fit(lambda b, i=i, d=d: map_one(i, d, self.tokens, b), 1))
                ]
                for cd in docs
            ]
            flat = [p for ps in stage_one for p in ps]
            flat_out = iter(self.generate([self._model_text(p) for p in flat]))
            for c, (ps, cd) in enumerate(zip(stage_one, docs, strict=True)):
                totals = self._totals(cd)
                per_doc = [{"tokens_seen": 0, "tokens_total": t} for t in totals]
                partial = [""] * len(cd)
                for p in ps:
                    per_doc[p.doc_index[0]] = self._seen(self._model_text(p), p, totals)[
                        p.doc_index[0]
                    ]
                    partial[p.doc_index[0]] = next(flat_out)
                reports[c]["map"] = per_doc
                docs[c] = [split_sentences(s.split("\n")) for s in partial]
        pack = self.packing.pack
        packed = [
            self._fit(lambda b, cd=cd: pack(cd, self.tokens, b, self.separator), len(cd))
            for cd in docs
        ]
        model_texts = [self._model_text(p) for p in packed]  # type: ignore[arg-type]
        outputs = self.generate(model_texts)
        summaries = []
        for c, (p, text, out) in enumerate(zip(packed, model_texts, outputs, strict=True)):
            assert p is not None  # pack() always returns an input (possibly empty)
            stage = "reduce" if self.packing.hierarchical else "documents"
            reports[c][stage] = self._seen(text, p, self._totals(docs[c]))
            summaries.append("\n".join(split_sentences(out.split("\n"))))
        self.input_report = {c.cluster_id: r for c, r in zip(clusters, reports, strict=True)}
        return summaries

    def _totals(self, documents: Sequence[Sequence[str]]) -> list[int]:
        """Tokens of each whole document, joined as packing joins it."""
        return self.tokens.count([join_sentences(d) for d in documents])
