"""Configurable cleaning of news articles scraped from the web.

The raw text is never modified in place: cleaning returns the cleaned text together with a
record of every line it removed or rejoined and the rule responsible, so that what a summarizer
saw can always be traced back to the bytes received.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from bench.errors import check_bool, check_int
from bench.preprocess.text import collapse_ws, unspaced
from bench.types import RemovedLine

# Characters normalised for tokenisation. Keys are code points, values their ASCII stand-ins.
PUNCT_MAP: dict[str, str] = {
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark / apostrophe
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',  # left double quotation mark
    "\u201d": '"',  # right double quotation mark
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2015": "-",
    "\u2212": "-",  # minus sign
    "\u2026": "...",  # horizontal ellipsis
    "\u00a0": " ",  # no-break space
    "\u2009": " ",
    "\u200a": " ",
    "\u202f": " ",
    "\u200b": "",  # zero-width space
    "\ufeff": "",  # byte-order mark
}
_PUNCT_TABLE = str.maketrans(PUNCT_MAP)

DEFAULT_BOILERPLATE: tuple[str, ...] = (
    r"other reports by .+",
    r"your opinion counts\s*!?",
    r"show more",
    r"related articles",
    r"close",
    r"adblock detected",
    r"please consider supporting us by disabling your ad ?blocker\.?",
    r"advertisement",
    r"share this( article| story)?",
    r"read more",
    r"click here to .+",
)
DEFAULT_SECTION_LABELS: tuple[str, ...] = (
    "international news",
    "latest news",
    "national news",
    "world news",
    "top stories",
    "breaking news",
)
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATELINE_RE = re.compile(
    rf"^(?:{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTHS},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})$",
    re.IGNORECASE,
)
# Sentence-final marks: Latin, CJK full-width (。！？．｡), Arabic ؟, Devanagari ।॥, Armenian ։,
# Ethiopic ።, Myanmar ။; closing quotes and brackets after them (CJK 」』）】》〉 too).
_TERMINAL = ".!?\u3002\uff01\uff1f\uff0e\uff61\u061f\u0964\u0965\u0589\u1362\u104b"
_CLOSERS = "\"')]\u300d\u300f\uff09\u3011\u300b\u3009"


def normalize_punctuation(text: str) -> str:
    """Map curly quotes, dashes, ellipses and odd spaces to ASCII; NFC-normalise the rest."""
    return unicodedata.normalize("NFC", text).translate(_PUNCT_TABLE)


# Penn Treebank tokenisation as found in CNN/DailyMail, XSum and their systems' outputs
# ("-lrb- cnn -rrb-", "`` quoted ''", "the study 's author", "235, 000", "$ 10,000"), undone
# so that tokenised and untokenised text match. " - " is left alone: it is a dash in both.
_PTB_BRACKETS = {"-lrb-": "(", "-rrb-": ")", "-lsb-": "[", "-rsb-": "]", "-lcb-": "{", "-rcb-": "}"}
_PTB_BRACKET = re.compile(r"-(?:lrb|rrb|lsb|rsb|lcb|rcb)-", re.IGNORECASE)
_PTB_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"\\(?=['\"])", ""),  # it\'s -> it's (escaped quotes left in by an export)
        (r"``\s*|\s*''", '"'),  # `` quoted '' -> "quoted"
        (r"(?<![\w`])`(?=\s*\w)\s*", "'"),  # ` quoted ' -> 'quoted'
        (r"(?<=\w)\s+'(?=\s|[.,;:!?]|$)", "'"),  # quoted ' / players ' wages -> players'
        (r"(?<=\w) (?='(?:s|re|ve|ll|d|m)\b|n't\b)", ""),  # the study 's -> the study's
        (r"(?<=\d),\s+(?=\d{3}(?!\d))", ","),  # 235, 000 -> 235,000
        (r"(?<=\d)\s+\.\s*(?=\d)", "."),  # 3 . 5 -> 3.5
        (r"([$£€#])\s+(?=\d)", r"\1"),  # $ 10,000 -> $10,000
        (r"(?<=[(\[{])\s+|\s+(?=[)\]}])", ""),  # ( cnn ) -> (cnn)
        (r"(?<=\S)\s+(?=[.,;:!?%](?:\s|$))", ""),  # found . it -> found. it
        (r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])", " "),  # funds.In the -> funds. In the
    )
)


# Something one of the rules above would change: most text has none, and is returned at once.
_PTB_HINT = re.compile(
    r"-(?:lrb|rrb|lsb|rsb|lcb|rcb)-|\\['\"]|``|''|`|\s'|\sn't|\d,\s|\d\s+\.|[$£€#]\s"
    r"|[(\[{]\s|\s[)\]}]|\s[.,;:!?%](?:\s|$)|[a-z]{2}[.!?][A-Z][a-z]",
    re.IGNORECASE,
)


def untokenize(text: str) -> str:
    """Undo Penn Treebank tokenisation: brackets, quotes, clitics, split numbers, spacing.

    ``-lrb- cnn -rrb- the study 's `` $ 235, 000 '' .`` -> ``(cnn) the study's "$235,000".``
    Untokenised text passes unchanged, apart from a missing space after a full stop before a
    capital ("funds.In the") and a space after a currency sign ("$ 10").
    """
    if not _PTB_HINT.search(text):
        return text
    if "-" in text:
        text = _PTB_BRACKET.sub(lambda m: _PTB_BRACKETS[m.group(0).lower()], text)
    for pattern, repl in _PTB_RULES:
        text = pattern.sub(repl, text)
    return text


def _ends_sentence(line: str) -> bool:
    stripped = line.rstrip().rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _TERMINAL


def _n_words(line: str) -> int:
    """Words of a line for the fragment rule; in scripts without spaces each character counts."""
    if line.isascii():
        return len(line.split())
    return sum(len(w) if any(unspaced(c) for c in w) else 1 for w in line.split())


def _key(line: str) -> str:
    """Comparison key for a line: punctuation-normalised, whitespace-collapsed, casefolded."""
    return collapse_ws(normalize_punctuation(line)).casefold()


@dataclass(frozen=True, slots=True)
class CleaningConfig:
    """Which cleaning rules run. Every rule can be switched off on its own."""

    enabled: bool = True
    boilerplate: Sequence[str] = DEFAULT_BOILERPLATE
    section_labels: Sequence[str] = DEFAULT_SECTION_LABELS
    drop_headline_lines: bool = True
    drop_repeated_lines: bool = True
    drop_datelines: bool = True
    drop_fragments: bool = True
    max_fragment_words: int = 25
    rejoin_broken_lines: bool = True
    normalize_punctuation: bool = True
    # Longer articles are refused, cleaning on or off. Set from the measured splitting rate
    # (benchmarks/split_speed.py: about 260,000 characters a second per core, linear up to 10 MB,
    # 10 MB in 24.5 s on two cores of a shared host): the largest article splits in about 12 s on
    # two cores, 19 s on one. Anything longer is a scraping accident, not news.
    max_document_chars: int = 5_000_000

    def __post_init__(self) -> None:
        """Validate the settings and compile the patterns."""
        if (
            isinstance(self.max_document_chars, bool)
            or not isinstance(self.max_document_chars, int)
            or self.max_document_chars < 1
        ):
            raise ValueError(
                f"max_document_chars must be an integer >= 1, got {self.max_document_chars!r}"
            )
        check_int(self.max_fragment_words, "max_fragment_words")
        for name in (
            "enabled", "drop_headline_lines", "drop_repeated_lines", "drop_datelines",
            "drop_fragments", "rejoin_broken_lines", "normalize_punctuation",
        ):  # fmt: skip
            check_bool(getattr(self, name), name)
        for pattern in self.boilerplate:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid boilerplate pattern {pattern!r}: {exc}") from exc

    def as_dict(self) -> dict[str, object]:
        """Every setting, JSON-ready, for run records."""
        out = asdict(self)
        out["boilerplate"] = list(self.boilerplate)
        out["section_labels"] = list(self.section_labels)
        return out

    def signature(self) -> str:
        """A compact description of the active rules, for result signatures."""
        if not self.enabled:
            return "off"
        rules = [
            name
            for name, on in (
                ("boilerplate", bool(self.boilerplate)),
                ("section", bool(self.section_labels)),
                ("headline", self.drop_headline_lines),
                ("repeat", self.drop_repeated_lines),
                ("dateline", self.drop_datelines),
                (f"fragment<={self.max_fragment_words}w", self.drop_fragments),
                ("rejoin", self.rejoin_broken_lines),
                ("punct", self.normalize_punctuation),
            )
            if on
        ]
        return "+".join(rules) or "none"


@dataclass(frozen=True, slots=True)
class CleanedText:
    """Result of cleaning: one paragraph per line, plus the record of what was removed."""

    text: str
    paragraphs: tuple[str, ...]
    removed: tuple[RemovedLine, ...] = field(default_factory=tuple)


class Cleaner:
    """Applies a :class:`CleaningConfig` to article text."""

    def __init__(self, config: CleaningConfig | None = None) -> None:
        """Compile the configured patterns once."""
        self.config = config or CleaningConfig()
        flags = re.IGNORECASE
        self._boilerplate = [re.compile(rf"^(?:{p})$", flags) for p in self.config.boilerplate]
        self._sections = {_key(s) for s in self.config.section_labels}

    def _classify(self, line: str, headline_key: str, seen: set[str]) -> str | None:
        """Return the reason to drop ``line``, or None to keep it."""
        cfg = self.config
        key = _key(line)
        if any(p.match(key) for p in self._boilerplate):
            return "boilerplate"
        if key in self._sections:
            return "section_label"
        if cfg.drop_headline_lines and headline_key and key == headline_key:
            return "headline"
        if cfg.drop_repeated_lines and key in seen:
            return "repeated_line"
        if cfg.drop_datelines and _DATELINE_RE.match(key):
            return "dateline"
        if (
            cfg.drop_fragments
            and not _ends_sentence(normalize_punctuation(line))
            and _n_words(line) <= cfg.max_fragment_words
        ):
            return "fragment"
        return None

    def clean(self, raw_text: str, headline: str = "") -> CleanedText:
        """Clean one article. Paragraphs are the kept non-blank lines."""
        lines = raw_text.splitlines()
        if not self.config.enabled:
            paragraphs = tuple(collapse_ws(line) for line in lines if line.strip())
            return CleanedText("\n".join(paragraphs), paragraphs, ())

        removed: list[RemovedLine] = []
        headline_key = _key(headline) if headline else ""
        # Rejoin a sentence broken across two adjacent lines: the first does not end a
        # sentence (and is no boilerplate, label, headline or dateline), the next continues in
        # lower case. ``last`` is the raw line number of the previous line, joined or not.
        merged: list[tuple[int, str]] = []
        last = 0
        for no, line in enumerate(lines, start=1):
            text = line.strip()
            if (
                self.config.rejoin_broken_lines
                and merged
                and text
                and text[0].islower()
                and last == no - 1
                and merged[-1][1]
                and not _ends_sentence(normalize_punctuation(merged[-1][1]))
                and self._classify(merged[-1][1], headline_key, set()) in (None, "fragment")
            ):
                prev_no, prev = merged[-1]
                merged[-1] = (prev_no, prev + " " + text)
                removed.append(RemovedLine(no, line, f"rejoined_with_line_{prev_no}"))
            else:
                merged.append((no, text))
            last = no

        seen: set[str] = set()
        kept: list[str] = []
        for no, text in merged:
            if not text:
                continue
            reason = self._classify(text, headline_key, seen)
            if reason is not None:
                removed.append(RemovedLine(no, lines[no - 1], reason))
                continue
            seen.add(_key(text))
            out = normalize_punctuation(text) if self.config.normalize_punctuation else text
            kept.append(collapse_ws(out))
        removed.sort(key=lambda r: r.line_no)
        return CleanedText("\n".join(kept), tuple(kept), tuple(removed))
