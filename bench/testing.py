"""Tiny randomly initialised models built locally, for tests and benchmarks (no download).

A byte-level BPE tokenizer is trained on the given texts with the ``tokenizers`` library, and a
BART-like encoder-decoder or a GPT-2-like decoder is built from a small config and saved with
``save_pretrained``, so the summarizers load them through the real ``from_pretrained`` path.
Random weights emit EOS at once: callers pass ``min_new_tokens`` for outputs of fixed length.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

SPECIALS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}</s>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def _tokenizer(texts: Iterable[str], vocab_size: int, template: str | None):  # type: ignore[no-untyped-def]
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(list(texts), trainer)
    if template is not None:
        tok.post_processor = processors.TemplateProcessing(
            single=template,
            special_tokens=[(t, tok.token_to_id(t)) for t in ("<s>", "</s>")],
        )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        mask_token="<mask>",
        model_max_length=1024,
    )


def build_tiny_bart(
    path: str | Path,
    texts: Iterable[str],
    vocab_size: int = 600,
    d_model: int = 16,
    layers: int = 2,
) -> Path:
    """A small random BART (default 2 layers, d_model 16) with a trained tokenizer, saved."""
    import torch
    from transformers import BartConfig, BartForConditionalGeneration, GenerationConfig

    path = Path(path)
    tokenizer = _tokenizer(texts, vocab_size, "<s> $A </s>")
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in ("<s>", "<pad>", "</s>")}
    config = BartConfig(
        vocab_size=len(tokenizer),
        d_model=d_model,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=2 * d_model,
        decoder_ffn_dim=2 * d_model,
        max_position_embeddings=1024,
        bos_token_id=ids["<s>"],
        pad_token_id=ids["<pad>"],
        eos_token_id=ids["</s>"],
        decoder_start_token_id=ids["</s>"],
        forced_eos_token_id=ids["</s>"],
    )
    with torch.random.fork_rng(devices=[]):  # seeded weights, global RNG untouched
        torch.manual_seed(0)
        model = BartForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        bos_token_id=ids["<s>"],
        pad_token_id=ids["<pad>"],
        eos_token_id=ids["</s>"],
        decoder_start_token_id=ids["</s>"],
        forced_eos_token_id=ids["</s>"],
        max_new_tokens=20,
    )
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def build_tiny_gpt2(
    path: str | Path, texts: Iterable[str], vocab_size: int = 600, chat: bool = True
) -> Path:
    """A 2-layer, 16-dim GPT-2 with a trained tokenizer (and a chat template), saved at ``path``."""
    import torch
    from transformers import GenerationConfig, GPT2Config, GPT2LMHeadModel

    path = Path(path)
    tokenizer = _tokenizer(texts, vocab_size, None)
    if chat:
        tokenizer.chat_template = CHAT_TEMPLATE
    eos, pad = tokenizer.convert_tokens_to_ids("</s>"), tokenizer.convert_tokens_to_ids("<pad>")
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_embd=16,
        n_layer=2,
        n_head=2,
        n_positions=1024,
        bos_token_id=tokenizer.convert_tokens_to_ids("<s>"),
        eos_token_id=eos,
        pad_token_id=pad,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = GPT2LMHeadModel(config)
    model.generation_config = GenerationConfig(
        bos_token_id=config.bos_token_id, eos_token_id=eos, pad_token_id=pad, max_new_tokens=20
    )
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


NLI_LABELS = {0: "entailment", 1: "neutral", 2: "contradiction"}


def build_tiny_nli(
    path: str | Path,
    texts: Iterable[str],
    vocab_size: int = 600,
    hidden: int = 16,
    layers: int = 2,
    max_length: int = 128,
) -> Path:
    """A small random RoBERTa-like NLI classifier (entailment/neutral/contradiction), saved.

    The tokenizer encodes pairs as RoBERTa does (``<s> A </s></s> B </s>``); ``max_length`` is
    both the tokenizer's limit and the usable position embeddings (RoBERTa adds pad_id + 1).
    """
    import torch
    from tokenizers import processors
    from transformers import RobertaConfig, RobertaForSequenceClassification

    path = Path(path)
    tokenizer = _tokenizer(texts, vocab_size, None)
    backend = tokenizer.backend_tokenizer
    backend.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[(t, backend.token_to_id(t)) for t in ("<s>", "</s>")],
    )
    tokenizer.model_max_length = max_length
    pad = tokenizer.convert_tokens_to_ids("<pad>")
    config = RobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=2 * hidden,
        max_position_embeddings=max_length + pad + 1,
        type_vocab_size=1,
        pad_token_id=pad,
        bos_token_id=tokenizer.convert_tokens_to_ids("<s>"),
        eos_token_id=tokenizer.convert_tokens_to_ids("</s>"),
        initializer_range=0.5,  # spread the random logits: outputs that vary with the input
        id2label=dict(NLI_LABELS),
        label2id={v: k for k, v in NLI_LABELS.items()},
    )
    with torch.random.fork_rng(devices=[]):  # seeded weights, global RNG untouched
        torch.manual_seed(0)
        model = RobertaForSequenceClassification(config)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def main(argv: list[str] | None = None) -> None:
    """``python -m bench.testing DIR``: build tiny-bart/, tiny-gpt2/ and tiny_nli/ in DIR."""
    import argparse
    import tempfile

    from bench.data.clusters import LocalClusters
    from bench.paths import CLUSTER_DIR, REFERENCE_DIR
    from bench.preprocess.clean import Cleaner

    parser = argparse.ArgumentParser(prog="python -m bench.testing", description=main.__doc__)
    parser.add_argument("out", type=Path, help="directory to build the tiny models in")
    args = parser.parse_args(argv)
    source = LocalClusters(str(CLUSTER_DIR), str(REFERENCE_DIR), ["mattis_pakistan_2017"])
    texts = [s for c in source.load(Cleaner()) for d in c.documents for s in d.sentences]
    builders = (
        ("tiny-bart", build_tiny_bart),
        ("tiny-gpt2", build_tiny_gpt2),
        ("tiny_nli", build_tiny_nli),  # metrics.nli_consistency.model=results/cache/models/tiny_nli
    )
    for name, build in builders:
        target = args.out / name
        if target.is_dir():
            continue
        args.out.mkdir(parents=True, exist_ok=True)
        # Built beside the target and renamed: an interrupted build leaves no half model.
        with tempfile.TemporaryDirectory(dir=args.out, prefix=f".{name}.") as tmp:
            build(Path(tmp) / name, texts)
            (Path(tmp) / name).rename(target)


if __name__ == "__main__":
    main()
