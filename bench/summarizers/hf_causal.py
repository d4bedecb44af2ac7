"""Decoder-only summarizers: any ``AutoModelForCausalLM`` with a prompt template.

The prompt is a Jinja2 template from config, rendered in a sandbox with undefined variables an
error. Variables: ``documents`` (the packed text of each document, in order), ``input`` (the
same joined by the separator), ``limit`` and ``unit`` (the length budget, e.g. 100 and
"words"). With ``chat_template`` on (``auto``: when the tokenizer has one) the rendered prompt is
the user turn, after an optional system prompt, of the model's own chat template. The prompt's
tokens, and the tokens the model may generate, are taken off the input budget before packing;
generated ids after the prompt are the summary (the prompt is never part of the output).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bench.preprocess.packing import PackedInput
from bench.summarizers.hf_base import HFSummarizer
from bench.summarizers.prompt import DEFAULT_PROMPT, compile_template, render_prompt

CHAT_CHOICES = ("auto", "true", "false")


class Causal(HFSummarizer):
    """A transformers decoder-only summarizer driven by a prompt template."""

    kind = "causal"
    padding_side = "left"

    def __init__(
        self,
        *args: Any,
        prompt: str = DEFAULT_PROMPT,
        chat_template: str | bool = "auto",
        system_prompt: str | None = None,
        chat_template_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """See :class:`HFSummarizer`; ``prompt`` is a Jinja2 template."""
        choice = str(chat_template).lower()
        if choice not in CHAT_CHOICES:
            raise ValueError(
                f"unknown chat_template {chat_template!r}; choose from {', '.join(CHAT_CHOICES)}"
            )
        self.prompt_source = prompt
        self.template = compile_template(prompt)
        self.chat_choice = choice
        self.system_prompt = system_prompt
        # Fixed template variables, e.g. date_string: templates that print today's date would
        # otherwise change the prompt (and miss the cache) every day.
        self.chat_template_kwargs = dict(chat_template_kwargs or {})
        super().__init__(*args, **kwargs)

    def _model_loader(self) -> Any:
        from transformers import AutoModelForCausalLM

        return AutoModelForCausalLM

    def _setup(self) -> None:
        has_template = bool(getattr(self.tokenizer, "chat_template", None))
        if self.chat_choice == "true" and not has_template:
            raise ValueError(f"chat_template=true but the tokenizer of {self.model_id!r} has none")
        self.use_chat = has_template and self.chat_choice != "false"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
            self.generation_config.pad_token_id = self.tokenizer.pad_token_id
        # Check the template's variables now, not after the model has run on half a sweep.
        self._render([""])

    def _model_limit(self) -> int:
        new = self.generation_config.max_new_tokens
        if new is None:
            raise ValueError("decoder-only summarizers need generation.max_new_tokens")
        return super()._model_limit() - int(new)

    def _render(self, documents: list[str]) -> str:
        text = render_prompt(self.template, documents, self.separator, self.budget)
        if not self.use_chat:
            return text
        messages = [{"role": "user", "content": text}]
        if self.system_prompt:
            messages.insert(0, {"role": "system", "content": self.system_prompt})
        return self.tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=True, **self.chat_template_kwargs
        )

    def _model_text(self, packed: PackedInput) -> str:
        return self._render(list(packed.parts))

    def _add_special_tokens(self) -> bool:
        # A chat template writes its own special tokens; adding them again would double BOS.
        return not self.use_chat

    def _overhead(self, n_documents: int) -> int:
        prompt = self._render([""] * n_documents)
        ids = self.tokenizer(prompt, add_special_tokens=self._add_special_tokens(), verbose=False)
        return len(ids["input_ids"])

    def _new_tokens(self, output_ids: Any, input_width: int) -> Any:
        return output_ids[:, input_width:]

    def _extra_signature(self) -> dict[str, str]:
        digest = hashlib.sha256(self.prompt_source.encode("utf-8")).hexdigest()
        sig = {"prompt_sha256": digest, "chat_template": str(self.use_chat)}
        if self.use_chat:
            template = str(self.tokenizer.chat_template)
            sig["chat_template_sha256"] = hashlib.sha256(template.encode("utf-8")).hexdigest()
            sig["system_prompt"] = repr(self.system_prompt)
            sig["chat_template_kwargs"] = json.dumps(self.chat_template_kwargs, sort_keys=True)
        return sig
