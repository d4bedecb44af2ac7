"""Encoder-decoder summarizers: any ``AutoModelForSeq2SeqLM`` (BART, PEGASUS, LED, PRIMERA).

Presets in ``conf/summarizer/`` pin hub ids and revisions for facebook/bart-large-cnn (Lewis et
al., 2020), google/pegasus-multi_news (Zhang et al., 2020), allenai/PRIMERA-multinews (Xiao et
al., 2022) and allenai/led-base-16384 (Beltagy et al., 2020); tests use a tiny local BART.
Longformer-style models (LED, PRIMERA) want global attention on the first token, and PRIMERA
also on every ``<doc-sep>``: ``global_attention`` selects it.
"""

from __future__ import annotations

from typing import Any

from bench.summarizers.hf_base import HFSummarizer

GLOBAL_ATTENTION = ("none", "first", "first_and_separators")


class Seq2Seq(HFSummarizer):
    """A transformers encoder-decoder summarizer over packed cluster input."""

    kind = "seq2seq"
    padding_side = "right"

    def __init__(self, *args: Any, global_attention: str = "none", **kwargs: Any) -> None:
        """See :class:`HFSummarizer`; ``global_attention`` is for Longformer-style encoders."""
        if global_attention not in GLOBAL_ATTENTION:
            raise ValueError(
                f"unknown global_attention {global_attention!r}; "
                f"choose from {', '.join(GLOBAL_ATTENTION)}"
            )
        self.global_attention = global_attention
        super().__init__(*args, **kwargs)
        self._separator_id: int | None = None
        if global_attention == "first_and_separators":
            ids = self.tokenizer(self.separator.strip(), add_special_tokens=False)["input_ids"]
            if len(ids) != 1:
                raise ValueError(
                    f"global_attention=first_and_separators needs a separator that is one token "
                    f"of the tokenizer; {self.separator!r} is {len(ids)}"
                )
            self._separator_id = ids[0]

    def _model_loader(self) -> Any:
        from transformers import AutoModelForSeq2SeqLM

        return AutoModelForSeq2SeqLM

    def _encode(self, texts: Any) -> Any:
        enc = super()._encode(texts)
        if self.global_attention == "none":
            return enc
        import torch

        mask = torch.zeros_like(enc["input_ids"])
        mask[:, 0] = 1
        if self._separator_id is not None:
            mask[enc["input_ids"] == self._separator_id] = 1
        enc["global_attention_mask"] = mask
        return enc

    def _extra_signature(self) -> dict[str, str]:
        return {"global_attention": self.global_attention}
