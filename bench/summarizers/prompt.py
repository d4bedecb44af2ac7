"""Prompt templates shared by the prompted summarizers (``causal``, ``openai_chat``).

A prompt is a Jinja2 template from config, rendered in a sandbox in which an undefined variable is
an error. Variables: ``documents`` (the packed text of each document, in order), ``input`` (the
same joined by the separator), ``limit`` and ``unit`` (the length budget, e.g. 100 and "words").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.budget import Budget

DEFAULT_PROMPT = (
    "Summarize the following {{ documents | length }} news articles about one event in at most "
    "{{ limit }} {{ unit }}.\n\n"
    "{% for doc in documents %}Article {{ loop.index }}:\n{{ doc }}\n\n{% endfor %}Summary:"
)


def compile_template(source: str) -> Any:
    """A sandboxed Jinja2 template in which a misspelt variable is an error."""
    try:
        from jinja2 import StrictUndefined, TemplateSyntaxError
        from jinja2.sandbox import SandboxedEnvironment
    except ImportError as exc:
        raise ImportError("prompt templates need jinja2: pip install 'mdsbench[models]'") from exc
    if not isinstance(source, str) or not source.strip():
        raise ValueError("prompt template must be a non-empty string")
    env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    try:
        return env.from_string(source)
    except TemplateSyntaxError as exc:
        raise ValueError(f"prompt template line {exc.lineno}: {exc.message}") from exc


def render_prompt(template: Any, documents: Sequence[str], separator: str, budget: Budget) -> str:
    """The prompt for ``documents`` under ``budget`` (a template error is a ``ValueError``)."""
    from jinja2 import TemplateError

    try:
        return str(
            template.render(
                documents=list(documents),
                input=separator.join(documents),
                limit=budget.limit,
                unit=budget.unit,
            )
        )
    except TemplateError as exc:
        raise ValueError(f"prompt template: {exc}") from exc
