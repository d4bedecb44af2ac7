"""Model-free fact check: every checkable claim of a summary against *all* source documents.

From each summary sentence it extracts names (multi-word and surname-only), titles bound to
names ("CIA Director Jane Doe", "Smith, France's prime minister"), numbers and amounts ("$10
million", "125 out of 128", "ten-month", "9pm"), dates (weekdays, months, years, "24 November")
and quotations, and looks for each in the cleaned documents after normalisation: Penn Treebank
tokenisation undone on both sides ("-lrb- cnn -rrb-", "235, 000", "the study 's"), case, curly
vs straight quotes and dashes, possessives, countries and their demonyms, words written two
ways ("defence" / "defense", "Jim" / "James"), numbers written in words or digits, "$10 million"
vs "10 million dollars", "all but three of 128" vs "125 out of 128". The word lists are general
English resources in ``data/`` with their provenance (:mod:`.lexicon`).

Lower-cased summaries (many systems' outputs on CNN/DailyMail and XSum) are first given the
case the articles and an English word list suggest (:mod:`.casing`), so their names are checked
too. A number the articles give under other words is supported when its head noun or event
agrees ("killed 14 people" / "the death toll rose to 14"; ``data/number_heads.txt``). A sentence
that carries no such claim is still measured by its content coverage: the share of its content
words one article sentence states (:mod:`.coverage`, ``min_coverage``).

Finding a name or a weekday somewhere is not enough: a claim must also be *bound* to what the
sentence says. Each claim is looked up in windows of three consecutive document sentences; the
words of the rest of the sentence must overlap a window holding the claim nearly as well as they
overlap the best window of the cluster. "Smith warned that ... safe havens ... everything"
fails when the articles put those words next to Jones.

Disputed facts: where the documents themselves disagree, a summary stating one version is
``disputed`` (with the documents on each side), not ``unsupported``: dates whose best-matching
windows in different documents give different months, and names spelt differently across
documents (tokens within two edits of each other beside the same neighbouring name token).

Limits, stated plainly: no coreference ("he" is never checked), no paraphrase understanding
(coverage is lexical: an abstractive sentence can fall below ``min_coverage`` while true),
titles come from a fixed vocabulary of English office words, and the binding thresholds were
set on the small labelled set in ``data/fact_eval/``, which the same team wrote. Validity on
public labelled summaries (FRANK): ``benchmarks/fact_validity.py`` and ``docs/fact_check.md``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from bench.errors import check_int
from bench.metrics.consistency.base import Evidence, Issue, consistency_score
from bench.metrics.consistency.casing import PLACEHOLDERS, CaseModel, has_case
from bench.metrics.consistency.coverage import ELSEWHERE, StemIndex
from bench.metrics.consistency.lexicon import aliases, country_words, head_classes
from bench.preprocess.clean import PUNCT_MAP, untokenize
from bench.preprocess.text import split_sentences
from bench.types import Cluster, Document


def _words(text: str) -> list[str]:
    return text.split()


# Words that start sentences but are not names (a capital at a sentence start proves nothing).
_STARTERS = frozenset(
    _words(
        "besides according however meanwhile earlier later both despite while speaking asked "
        "brushing following during before after on in at with without among amid since "
        "separately together ties relations tensions"
    )
)

# -- normalisation ---------------------------------------------------------------------------

# The one-character replacements of the cleaner's table (and the acute accent used as an
# apostrophe): spans found in the normalised sentence are cut from the sentence as written.
_PUNCT = str.maketrans({k: v for k, v in PUNCT_MAP.items() if len(v) == 1} | {"\u00b4": "'"})
_TOKEN = re.compile(r"\$|[a-z0-9]+(?:[.,][0-9]+)*")
_WORD_NUMBERS = {
    w: i
    for i, w in enumerate(
        _words(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen twenty"
        )
    )
} | {
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "dozen": 12,
}
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "m": 1e6, "bn": 1e9}
MONTHS = _words(
    "january february march april may june july august september october november december"
)
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# Capitalised only: "may" and "march" are also an auxiliary and a verb.
_DATE_WORD = re.compile(r"\b(" + "|".join(w.capitalize() for w in WEEKDAYS + MONTHS) + r")\b")
_MONTH_FIRST = re.compile(r"(" + "|".join(MONTHS) + r")\b", re.I)
_MONTH_LAST = re.compile(r"\b(" + "|".join(MONTHS) + r")$", re.I)
_STOP = frozenset(
    _words(
        "a an the of to in on at for from by with and or but as is was were be been being has "
        "have had that this these those it its he she they them his her their who whom which "
        "what when where while after before into over than then there also not no said says "
        "say would could will can may must should did do does about against between during "
        "since until up out so such any all some more most other own same very just only i we "
        "you our us s"
    )
)


_POSSESSIVE = re.compile(r"'s\b|s'(?=\s|$)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


def _possessive(m: re.Match[str]) -> str:
    return "" if m.group(0) == "'s" else "s"


def normalize(text: str) -> list[str]:
    """Lower-case word tokens: tokenisation undone, quotes, dashes, possessives, aliases mapped.

    Penn Treebank tokenisation is undone first (:func:`bench.preprocess.clean.untokenize`), so
    "the study 's" and "the study's", "235, 000" and "235,000" give the same tokens; names of
    countries and their demonyms, and words written two ways, map to one form
    (:mod:`bench.metrics.consistency.lexicon`).
    """
    text = untokenize(unicodedata.normalize("NFKC", text).translate(_PUNCT)).lower()
    if "'" in text:
        text = _POSSESSIVE.sub(_possessive, text)
    if "," in text:
        text = _THOUSANDS.sub("", text)  # 1,000 -> 1000
    raw = _TOKEN.findall(text)
    forms = aliases()
    tokens: list[str] = []
    i = 0
    while i < len(raw):
        match = _phrase_at(raw, i, forms.get(raw[i], ()))
        if match is None:
            tokens.append(raw[i])
            i += 1
        else:
            tokens.extend(match[1])
            i += len(match[0])
    return tokens


def _phrase_at(
    raw: Sequence[str], i: int, candidates: Sequence[tuple[tuple[str, ...], tuple[str, ...]]]
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The longest written form (and its canonical tokens) that starts at ``raw[i]``, if any."""
    for form, canon in candidates:
        if tuple(raw[i : i + len(form)]) == form:
            return form, canon
    return None


def _joined(tokens: Sequence[str]) -> str:
    return " " + " ".join(tokens) + " "


def contains(haystack: str, needle: Sequence[str]) -> bool:
    """Whether the token sequence occurs in a space-joined token string."""
    return bool(needle) and _joined(needle) in haystack


def content(tokens: Sequence[str]) -> set[str]:
    """Content words: no stop words, no one-letter tokens."""
    return {t for t in tokens if t not in _STOP and len(t) > 1}


# -- the source index ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """Up to three consecutive sentences of one document."""

    doc: int
    text: str
    joined: str
    words: frozenset[str]


class Sources:
    """Every document of a cluster, normalised once, with sentence windows for binding."""

    def __init__(self, documents: Sequence[Document]) -> None:
        """Index the documents."""
        self.doc_ids = [d.doc_id for d in documents]
        # Tokenised corpora ("-lrb- cnn -rrb-", "235, 000") are read as plain text.
        sentences_of = [[untokenize(s) for s in d.sentences] for d in documents]
        self.sentences = [s for d in sentences_of for s in d]
        self.sentence_doc = [i for i, d in enumerate(sentences_of) for _ in d]
        self.windows: list[Window] = []
        self.doc_joined: list[str] = []
        self.doc_tokens: list[list[str]] = []
        self._window_sentences: list[tuple[int, int]] = []  # sentence range of each window
        self._normalised: list[list[str]] = []  # tokens of every sentence
        self._stems: StemIndex | None = None
        for i, sentences in enumerate(sentences_of):
            norm = [normalize(s) for s in sentences]
            self._normalised.extend(norm)
            flat = [t for n in norm for t in n]
            self.doc_tokens.append(flat)
            self.doc_joined.append(_joined(flat))
            first = len(self.windows)
            for j in range(len(sentences)):
                lo, hi = max(0, j - 1), min(len(sentences), j + 2)
                toks = [t for n in norm[lo:hi] for t in n]
                self.windows.append(
                    Window(i, " ".join(sentences[lo:hi]), _joined(toks), frozenset(toks))
                )
                self._window_sentences.append((first + lo, first + hi))
        self.vocabulary = {t for toks in self.doc_tokens for t in toks}
        self._case: CaseModel | None = None
        self._counts: dict[int, list[tuple[float, frozenset[str]]]] | None = None
        self._numbers: list[set[tuple[float, str]]] | None = None
        self.titles: dict[str, set[str]] = {}  # surname -> title words (filled on demand)
        # Surnames: last tokens of multi-word capitalised names ("Jane Doe" -> doe).
        self.people = (
            {
                normalize(name)[-1]
                for s in self.sentences
                for _, _, name in _name_spans(s.translate(_PUNCT))
                if len(name.split()) > 1 and normalize(name)
            }
            - TITLE_WORDS
            - ORGANISATION_WORDS
        )
        # Words the documents write in lower case: a capital at a sentence start is not a name.
        self.lowercase = {
            w for s in self.sentences for w in re.findall(r"(?<![\w'])[a-z][a-z'-]+", s)
        }

    @property
    def case(self) -> CaseModel:
        """How the documents write each word (built on first use: for lower-cased summaries)."""
        if self._case is None:
            self._case = CaseModel(self.sentences)
        return self._case

    @property
    def stems(self) -> StemIndex:
        """Stems of every sentence, for content coverage (built on first use)."""
        if self._stems is None:
            self._stems = StemIndex(self._normalised)
        return self._stems

    def counts(self, window: int) -> list[tuple[float, frozenset[str]]]:
        """Numbers of a window with the head classes around each (read on first use)."""
        if self._counts is None:
            self._counts = {}
        if window not in self._counts:
            a, b = self._window_sentences[window]
            self._counts[window] = [c for s in self.sentences[a:b] for c in source_counts(s)]
        return self._counts[window]

    @property
    def numbers(self) -> list[set[tuple[float, str]]]:
        """The numbers of each window, read on first use (most summary sentences have none).

        Read per sentence and united per window: a number never spans two sentences.
        """
        if self._numbers is None:
            per_sentence = [source_numbers(s) for s in self.sentences]
            self._numbers = [set().union(*per_sentence[a:b]) for a, b in self._window_sentences]
        return self._numbers

    def docs_with(self, needle: Sequence[str]) -> list[int]:
        """Documents containing the token sequence."""
        return [i for i, j in enumerate(self.doc_joined) if contains(j, needle)]

    def evidence(self, doc: int, says: str) -> Evidence:
        """Evidence from document ``doc``."""
        return Evidence(self.doc_ids[doc], says)


# -- claims ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claim:
    """A checkable piece of a summary sentence."""

    kind: str
    span: str
    tokens: tuple[str, ...]


_QUOTE = re.compile(r'"([^"]{3,}?)"|(?<![\w])\'([^\']{6,}?)\'(?![\w])')
_CAPITALISED = re.compile(r"[A-Z][\w'’.-]*|(?:of|the|de|al|ud|bin|e)(?=\s+[A-Z])")
_NUMBER_WORD = "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True))
_NUMBER = re.compile(
    # "$10 million", "ten months", and written together: "9pm", "£10m", "$1million"
    rf"(?<![A-Za-z]-)(?<![/\w])(?:\$\s?)?\b(?:\d+(?:,\d{{3}})*(?:\.\d+)?(?![\d,]\d)|(?:{_NUMBER_WORD})\b)"
    rf"(?:(?:[\s-]+|(?<=\d))(?:{'|'.join(_SCALES)})\b)?(?:(?:[\s-]+|(?<=\d))(?:[a-z]+))?",
    re.IGNORECASE,
)
# A sentence less than half of whose content one article sentence states fails (coverage.py).
MIN_COVERAGE = 0.5
# Words of the sentence within this many tokens of a number are its head noun and event.
HEAD_REACH = 3
_AGE = re.compile(r"[A-Za-z]\s*,\s+(\d{1,3}),")
_ALL_BUT = re.compile(rf"all but (\d+|{_NUMBER_WORD}) (?:of|out of) (\d+)", re.IGNORECASE)
_OFFICE_WORDS = frozenset(
    _words(
        "president vice prime minister secretary defence state foreign interior finance army "
        "general lieutenant major colonel brigadier admiral commander chief director cia fbi "
        "spokesman adviser national security ambassador senator governor chairman head top "
        "military intelligence staff joint chiefs of office marine "
        "retd retired deputy assistant special envoy representative"
    )
)
# A country belongs to a title ("US Defence Secretary", "the French president") but is no
# title on its own: a lone "Qatar" is a name to check.
TITLE_WORDS = _OFFICE_WORDS | country_words()
_TITLE_GENERIC = frozenset({"of", "top", "the", "head"}) | country_words()
ORGANISATION_WORDS = frozenset(
    _words(
        "department ministry office agency embassy house forum network party council news "
        "court force forces fund intelligence services airbase headquarters group "
        "nations union times post press agency newspaper journal"
    )
)
# Words for the same role: an agency's "chief" is its "director", the "head of" the agency.
_TITLE_SAME = {"chief": "head", "director": "head"}


def _word_value(token: str) -> float | None:
    token = token.lower().replace(",", "")
    if token in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[token])
    try:
        return float(token)
    except ValueError:
        return None


def number_key(span: str) -> tuple[float, str] | None:
    """(value, unit) of a number expression: "$10 million" -> (1e7, "dollar")."""
    words = re.findall(r"\$|\d[\d.,]*|[a-z]+", span.lower().replace("-", " "))
    value: float | None = None
    unit = ""
    for w in words:
        if w == "$":
            unit = "dollar"
        elif value is None and _word_value(w) is not None:
            value = _word_value(w)
        elif value is not None and w in _SCALES:
            value *= _SCALES[w]
        elif value is not None and not unit:
            unit = w
    if value is None:
        return None
    unit = unit.rstrip("s") if unit not in {"s"} else ""
    if unit in {"dollar", "usd"}:
        unit = "dollar"
    return value, unit


def _classes(words: set[str] | list[str]) -> set[str]:
    """Head classes of the words that are not numbers themselves."""
    return {c for w in words if w not in _STOP and _word_value(w) is None for c in head_classes(w)}


def source_counts(text: str) -> list[tuple[float, frozenset[str]]]:
    """Every number of a text with the head classes of the words around it (its noun, event)."""
    plain = unicodedata.normalize("NFKC", text).translate(_PUNCT)
    tokens = normalize(plain)
    out = []
    for m in _NUMBER.finditer(plain):
        key = number_key(m.group(0))
        if key is None:
            continue
        claim = normalize(m.group(0))
        near = _local_context(tokens, claim, HEAD_REACH) | set(claim[1:])
        out.append((key[0], frozenset(_classes(near))))
    return out


def source_numbers(text: str) -> set[tuple[float, str]]:
    """Every (value, unit) in a text, with a unit-less copy of each."""
    out: set[tuple[float, str]] = set()
    plain = unicodedata.normalize("NFKC", text).translate(_PUNCT)
    for m in _NUMBER.finditer(plain):
        key = number_key(m.group(0))
        if key is not None:
            out.add(key)
            out.add((key[0], ""))
    for m in _AGE.finditer(plain):
        out.add((float(m.group(1)), "year"))  # "Barry Beavis, 48, said": an age
    for m in re.finditer(r"(\d+)\s+(?:out of|of)\s+(\d+)", plain):
        a, b = float(m.group(1)), float(m.group(2))
        out.add((b - a, f"all-but-of-{b:g}"))  # "125 out of 128" supports "all but 3 of 128"
    return out


@lru_cache(maxsize=65536)
def _is_title_word(word: str) -> bool:
    toks = normalize(word)
    return bool(toks) and all(t in TITLE_WORDS for t in toks)


_NAME_RUN = re.compile(r"(?:[A-Z][\w'’.-]*)(?:\s+(?:(?:of|the|ud|al|e|bin)\s+)?[A-Z][\w'’.-]*)*")


def _name_spans(sentence: str) -> list[tuple[int, int, str]]:
    """Runs of capitalised words (with 'of', 'ud', ... inside), after their last title word.

    "Defence Intelligence Director General Lt. Gen. John Roe" -> "John Roe"
    (what precedes it is its title, read by :func:`_title_before`).
    """
    spans = []
    for m in _NAME_RUN.finditer(sentence):
        words = m.group(0).split()
        positions, pos = [], m.start()
        for w in words:
            pos = sentence.index(w, pos)
            positions.append(pos)
            pos += len(w)
        last_title = max((i for i, w in enumerate(words) if _is_title_word(w)), default=-1)
        if last_title == len(words) - 1:
            # a country before a name is part of its title ("US Congress"), alone it is a name
            if not set(normalize(words[-1])) <= country_words():
                continue
            last_title -= 1
        start = positions[last_title + 1]
        text = " ".join(words[last_title + 1 :]).rstrip(".,'’")
        text = re.sub(r"['’]s$", "", text)
        if text:
            spans.append((start, start + len(text), text))
    return spans


# An attributed statement must come from (nearly) the window that best matches it.
ATTRIBUTION_RATIO = 0.8
# "according to a US embassy statement", "according to an army press release"
_ATTRIBUTION = re.compile(
    r"[Aa]ccording to (?:an?|the) ((?:[\w.-]+\s+){1,3}?(?:press\s+)?)"
    r"(statement|release|report|spokesman|spokesperson)\b"
)
_TITLE_GLUE = frozenset({"in", "of", "the", "forces", "country"})


def _title_before(sentence: str, start: int) -> list[str]:
    """Title words right before a name, also across a comma: 'The top US commander, Gen. X'."""
    before = sentence[:start].rstrip()
    run: list[str] = []
    for attempt in range(2):
        for t in reversed(normalize(before)):
            if t in TITLE_WORDS or (attempt and t in _TITLE_GLUE):
                run.append(t)
            else:
                break
        if attempt == 0 and before.endswith(","):
            before = before[:-1]
            continue
        if attempt == 0 and not before.endswith(","):
            break
    return [t for t in reversed(run) if t in TITLE_WORDS]


def _title_after(sentence: str, end: int) -> list[str]:
    """An apposition after a name: ', the US Army chief of staff,' -> its title words."""
    # an apposition starts with an article or a possessive: ", the US Army chief of staff,"
    m = re.match(
        r"\s*[,(-]\s*(?:the|a|an|[\w.]+'s|[\w.]+’s)\s+(?:country's\s+)?([^,;:)-]{2,60})",
        sentence[end:],
        re.IGNORECASE,
    )
    if not m:
        return []
    run: list[str] = []
    for t in normalize(m.group(1)):
        if t in TITLE_WORDS or t in _TITLE_GLUE:
            run.append(t)
        else:
            break
    words = [t for t in run if t in TITLE_WORDS]
    return words if any(t in TITLE_WORDS - _TITLE_GENERIC for t in words) else []


# -- the checker -----------------------------------------------------------------------------


def _unsupported(
    sentence: str, span: str, kind: str, reason: str, evidence: Sequence[Evidence] = ()
) -> Issue:
    """A claim no document supports."""
    return Issue(sentence, span, kind, "unsupported", reason, tuple(evidence))


def _against(
    sentence: str, span: str, kind: str, reason: str, src: Sources, best: Window | None
) -> Issue:
    """An unsupported claim, with the window that says what the sentence is about (if any)."""
    evidence = (src.evidence(best.doc, best.text),) if best is not None else ()
    return _unsupported(sentence, span, kind, reason, evidence)


def _title_text(sentence: str, start: int, end: int, missing: Sequence[str] = ()) -> str:
    """The title as written: the words before the name, or the apposition after it.

    The part holding a ``missing`` word wins, so the report marks the wrong words.
    """
    words = list(re.finditer(r"[\w.'’-]+", sentence[:start]))
    first = None
    for w in reversed(words):
        toks = normalize(w.group(0))
        if toks and all(t in TITLE_WORDS | _TITLE_GLUE for t in toks):
            first = w.start()
        else:
            break
    before = sentence[first:start].strip(" ,") if first is not None else ""
    m = re.match(r"\s*[,(-]\s*([^,;:)]{2,60})", sentence[end:])
    after = m.group(1).strip() if m else ""
    wanted = {_TITLE_SAME.get(t, t) for t in missing}
    in_after = wanted & {_TITLE_SAME.get(t, t) for t in normalize(after)}
    in_before = wanted & {_TITLE_SAME.get(t, t) for t in normalize(before)}
    if after and (not before or in_after) and not in_before:
        return after
    return before or after or sentence[start:end]


def _at_sentence_start(text: str, start: int) -> bool:
    """Whether only punctuation or an opening quote precedes ``start``."""
    return not re.search(r"[\w]", text[:start])


def _local_context(sentence: Sequence[str], claim: Sequence[str], reach: int) -> set[str]:
    """Content words of the sentence within ``reach`` tokens of the claim (all if not found)."""
    n = len(claim)
    for i in range(len(sentence) - n + 1):
        if list(sentence[i : i + n]) == list(claim):
            return content(sentence[max(0, i - reach) : i + n + reach])
    return content(sentence)


def _as_written(span: str, checked: str, sentence: str) -> str:
    """The span as the sentence writes it (``checked`` differs from it in letter case only)."""
    at = checked.find(span)
    return sentence[at : at + len(span)] if at >= 0 and checked != sentence else span


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (short tokens only)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


class ClaimChecker:
    """Checks summary sentences against one cluster's documents (see the module docstring)."""

    def __init__(
        self,
        bind_ratio: float = 0.5,
        bind_floor: float = 0.35,
        reach: int = 8,
        min_coverage: float = MIN_COVERAGE,
    ) -> None:
        """``bind_ratio``: how close to the best window a window holding the claim must come.

        ``reach``: the context of a claim is the words within this many tokens of it in the
        sentence (a compound sentence binds each claim to its own clause).
        ``min_coverage``: a sentence whose content coverage by one source sentence is below this
        fails (:mod:`bench.metrics.consistency.coverage`; 0 switches the check off).
        """
        if isinstance(min_coverage, bool) or not 0.0 <= min_coverage <= 1.0:
            raise ValueError(f"min_coverage must be in [0, 1], got {min_coverage!r}")
        self.min_coverage = float(min_coverage)
        self.reach = check_int(reach, "reach", 1)
        if not 0.0 < bind_ratio <= 1.0:
            raise ValueError(f"bind_ratio must be in (0, 1], got {bind_ratio}")
        if not 0.0 <= bind_floor < 1.0:
            raise ValueError(f"bind_floor must be in [0, 1), got {bind_floor}")
        self.bind_ratio = bind_ratio
        self.bind_floor = bind_floor

    # binding: is the claim stated where the rest of the sentence is?
    def _bound(
        self,
        src: Sources,
        sentence: Sequence[str],
        claim: Sequence[str],
        holds: Any = None,
        exclude: set[str] | frozenset[str] = frozenset(),
        reach: int | None = None,
        ratio: float | None = None,
    ) -> tuple[bool, Window | None]:
        reach = self.reach if reach is None else reach
        ratio = self.bind_ratio if ratio is None else ratio
        ctx = _local_context(sentence, claim, reach) - set(claim) - exclude
        with_claim = [
            w for w in src.windows if (holds(w) if holds is not None else contains(w.joined, claim))
        ]
        if not with_claim:
            return False, None
        if len(ctx) < 3:
            return True, None

        def fit(w: Window) -> float:
            return len(ctx & w.words) / len(ctx)

        best_any = max(src.windows, key=fit)
        best_with = max(fit(w) for w in with_claim)
        if fit(best_any) >= self.bind_floor and best_with < ratio * fit(best_any):
            return False, best_any
        return True, None

    def check(
        self, summary: str, cluster: Cluster, src: Sources | None = None
    ) -> tuple[list[Issue], list[dict[str, Any]]]:
        """Issues of one summary, and per sentence the claims found with their documents."""
        src = src if src is not None else Sources(cluster.documents)
        issues: list[Issue] = []
        report: list[dict[str, Any]] = []
        summary = untokenize(summary)
        # A lower-cased summary gets the case the articles and the word list suggest, so that
        # its names are checked; spans are cut back from the sentence as written.
        cased = has_case(summary)
        for sentence in split_sentences(summary.split("\n")):
            found: list[dict[str, Any]] = []
            before = len(issues)
            checked = sentence if cased else src.case.truecase(sentence)
            issues.extend(
                replace(
                    issue,
                    index=len(report),
                    sentence=sentence,
                    span=_as_written(issue.span, checked, sentence),
                )
                for issue in self._check_sentence(checked, src, found)
            )
            if self.min_coverage > 0 and len(issues) == before:
                issues.extend(
                    replace(issue, index=len(report))
                    for issue in self._check_coverage(sentence, src, found)
                )
            report.append({"sentence": sentence, "claims": found, "issues": len(issues) - before})
        return issues, report

    def _check_sentence(self, sentence: str, src: Sources, found: list) -> list[Issue]:
        issues: list[Issue] = []
        words = normalize(sentence)
        quoted_ranges: list[tuple[int, int]] = []
        quotes_found: list[list[list[str]]] = []

        def note(kind: str, span: str, docs: Sequence[int]) -> None:
            found.append({"kind": kind, "span": span, "documents": [src.doc_ids[d] for d in docs]})

        # quotations: word for word in one document
        plain = sentence.translate(_PUNCT)
        for m in _QUOTE.finditer(plain):
            group = 1 if m.group(1) is not None else 2
            # ``plain`` maps characters one to one: spans are cut from the sentence as written
            quote = sentence[m.start(group) : m.end(group)]
            quoted_ranges.append(m.span())
            pieces = [normalize(p) for p in re.split(r"\.\.\.|…|\[[^\]]*\]", quote)]
            pieces = [p for p in pieces if p]
            docs = [
                d
                for d in range(len(src.doc_ids))
                if all(contains(src.doc_joined[d], p) for p in pieces)
            ]
            if docs:
                note("quote", quote, docs)
                quotes_found.append(pieces)
            else:
                reason = "no article has these words as quoted"
                issues.append(_unsupported(sentence, quote, "quote", reason))

        def outside_quotes(start: int) -> bool:
            return not any(a <= start < b for a, b in quoted_ranges)

        # a word the summarizer could not produce: what it stands for cannot be checked
        for m in _PLACEHOLDER.finditer(plain):
            if outside_quotes(m.start()):
                reason = "an unknown-word placeholder stands for a word no one can check"
                issues.append(_unsupported(sentence, m.group(0), "entity", reason))

        # names and titles
        for start, end, name in _name_spans(plain):
            if not outside_quotes(start):
                continue
            first = name.split()[0]
            if _at_sentence_start(plain, start) and (
                first.lower() in src.lowercase | _STOP | _STARTERS | set(_WORD_NUMBERS)
            ):
                rest = name[len(first) :].lstrip()
                if not rest:
                    continue
                start, name = start + (len(name) - len(rest)), rest
            toks = normalize(name)
            toks = [t for t in toks if t not in TITLE_WORDS or t in country_words()] or toks
            # a lone "US" normalises like the pronoun "us"; months and weekdays are dates
            toks = [t for t in toks if t not in PLACEHOLDERS]
            if not toks or toks == ["us"] or toks[0] in MONTHS + WEEKDAYS:
                continue
            if start == 0 and len(toks) == 1 and toks[0] in _STOP:
                continue
            issues.extend(
                self._check_name(sentence, plain, start, end, name, toks, src, words, note)
            )

        issues.extend(self._check_speakers(sentence, plain, src, quotes_found, outside_quotes))
        issues.extend(self._check_sources(sentence, plain, src, words))

        # numbers (not years, not days of a month: dates below)
        for m in _ALL_BUT.finditer(plain):
            a, b = _word_value(m.group(1)), _word_value(m.group(2))
            if a is not None and b is not None:
                key = (a, f"all-but-of-{b:g}")
                docs = sorted(
                    {w.doc for w, ns in zip(src.windows, src.numbers, strict=True) if key in ns}
                )
                if docs:
                    note("number", m.group(0), docs)
                else:
                    reason = "no article gives these counts"
                    issues.append(_unsupported(sentence, m.group(0), "number", reason))
        for m in _NUMBER.finditer(plain):
            around = plain[max(0, m.start() - 8) : m.end() + 12]
            if not outside_quotes(m.start()) or _ALL_BUT.search(around):
                continue  # quotations are checked word for word; "all but N of M" above
            span = sentence[m.start() : m.end()].strip()
            if len(span.split()) > 1 and span.split()[-1].lower() in _STOP:
                span = span.rsplit(maxsplit=1)[0]  # "$25 million to": "to" is not a unit
            key = number_key(span)
            if key is None or _is_date_number(plain, m):
                continue
            value, unit = key
            if unit in MONTHS:  # "24 November" is a date
                continue
            if span[0].isupper() and span[0].isalpha() and not _at_sentence_start(plain, m.start()):
                continue  # a number word in a name: "the Six Nations", "Channel Four"
            if value <= 1 and span.split()[0].isalpha():
                continue  # "one" and "zero" are as often pronoun or idiom as count
            holds = [i for i, ns in enumerate(src.numbers) if (value, unit) in ns]
            if not holds and unit in _STOP:
                # the "unit" is just the next word of the sentence ("three of")
                holds = [i for i, ns in enumerate(src.numbers) if (value, "") in ns]
            if not holds:
                issues.extend(self._check_count(sentence, span, value, src, words, note))
                continue
            held = {id(src.windows[i]) for i in holds}
            ok, best = self._bound(src, words, normalize(span), lambda w, held=held: id(w) in held)
            if ok:
                note("number", span, sorted({src.windows[i].doc for i in holds}))
            else:
                reason = f"the articles give {span!r} only in other contexts"
                issues.append(_against(sentence, span, "number", reason, src, best))

        # dates: weekdays, months, years, day + month
        issues.extend(self._check_dates(sentence, plain, src, words, note, outside_quotes))
        return issues

    def _check_coverage(self, sentence: str, src: Sources, found: list) -> list[Issue]:
        """A sentence most of whose content no one article sentence states."""
        cov = src.stems.coverage([t for t in normalize(sentence) if t not in _STOP and len(t) > 1])
        if cov is None:
            return []
        found.append({"kind": "content", "coverage": round(cov.value, 3)})
        if cov.value >= self.min_coverage:
            return []
        reason = (
            f"no article sentence states most of this: coverage {cov.value:.2f} < "
            f"{self.min_coverage:g}"
            + (f"; in no article: {', '.join(cov.missing[:5])}" if cov.missing else "")
        )
        evidence = []
        if cov.best >= 0:
            evidence.append(
                Evidence(src.doc_ids[src.sentence_doc[cov.best]], src.sentences[cov.best])
            )
        return [_unsupported(sentence, sentence, "content", reason, evidence)]

    @staticmethod
    def _check_count(sentence, span, value, src, words, note):  # type: ignore[no-untyped-def]
        """A number the articles give under other words: its head noun or event must agree.

        "killed 14 people" is supported by "the death toll rose to 14" (``number_heads.txt``
        puts killed and death in one group), not by "14 schools were damaged".
        """
        anywhere = [i for i, ns in enumerate(src.numbers) if (value, "") in ns]
        if not anywhere:
            return [_unsupported(sentence, span, "number", f"no article gives {span!r}")]
        claim = normalize(span)
        heads = _classes(_local_context(words, claim, HEAD_REACH) | set(claim[1:]))
        agree = [i for i in anywhere if any(v == value and heads & c for v, c in src.counts(i))]
        if agree:
            note("number", span, sorted({src.windows[i].doc for i in agree}))
            return []
        reason = f"the articles give {value:g} only for other things"
        w = src.windows[anywhere[0]]
        return [_unsupported(sentence, span, "number", reason, [src.evidence(w.doc, w.text)])]

    def _check_name(self, sentence, plain, start, end, name, toks, src, words, note):  # type: ignore[no-untyped-def]
        issues: list[Issue] = []
        docs = src.docs_with(toks)
        surname = toks[-1]
        if not docs and len(toks) > 1:
            # "Jim Doe" / "General John Henry Roe": first and last name in one document
            docs = [d for d in src.docs_with([surname]) if toks[0] in src.doc_tokens[d]]
            if not docs and toks[0] not in src.vocabulary and len(surname) > 2:
                # "Alan Curtis" where the articles say "Curtis": a given name they never use
                # adds no claim to check; one they give someone else is a swap ("Mark Curtis")
                docs = src.docs_with([surname])
        if not docs:
            variants = self._variants(toks, src)
            if variants:
                reason = f"{name!r} is spelt differently in the articles"
                issues.append(_unsupported(sentence, name, "entity", reason, variants))
            else:
                demonym = self._demonym_docs(toks, src)
                if not demonym:
                    reason = f"no article mentions {name!r}"
                    issues.append(_unsupported(sentence, name, "entity", reason))
            return issues
        disputed = self._variants(toks, src)
        if disputed:
            sides = [src.evidence(d, name) for d in docs] + disputed
            issues.append(
                Issue(
                    sentence,
                    name,
                    "entity",
                    "disputed",
                    "the articles spell this name differently",
                    tuple(sides),
                )
            )
        person = surname in src.people
        # Places and organisations are checked for presence only: binding them to the rest of
        # the sentence costs false alarms on compound sentences and catches little.
        # A name spelt differently across documents binds through any of its spellings.
        spellings = {surname} | {
            t for e in disputed for t in e.says.split() if _edits(t, surname) <= 2
        }
        ok, best = (
            self._bound(
                src,
                words,
                [surname],
                holds=lambda w: any(f" {t} " in w.joined for t in spellings),
                exclude=set(toks) | TITLE_WORDS,
            )
            if person
            else (True, None)
        )
        if not ok:
            issues.append(
                _against(
                    sentence, name, "entity", f"the articles do not say this of {name!r}", src, best
                )
            )
            return issues
        note("entity", name, docs)
        title = _title_before(plain, start) + _title_after(plain, end)
        title = [_TITLE_SAME.get(t, t) for t in title if t not in _TITLE_GENERIC]
        if title and person:
            given = self._titles_of(surname, src)
            missing = [t for t in title if t not in {_TITLE_SAME.get(g, g) for g in given}]
            shown = _title_text(sentence, start, end, missing)
            if missing:
                reason = f"no article gives {name!r} this title (not found: {', '.join(missing)})"
                issues.append(_unsupported(sentence, shown, "title", reason))
            else:
                note("title", shown, docs)
        return issues

    def _check_sources(self, sentence, plain, src, words):  # type: ignore[no-untyped-def]
        """'According to a US embassy statement, ...': the source must have said it."""
        issues = []
        for m in _ATTRIBUTION.finditer(plain):
            source = normalize(m.group(1).strip())
            if not source:
                continue
            # what is attributed is the whole rest of the sentence
            ok, best = self._bound(
                src,
                words,
                source,
                holds=lambda w, t=source: contains(w.joined, t),
                exclude={"according", "statement", "release", "report", "press"},
                reach=len(words),
                ratio=ATTRIBUTION_RATIO,
            )
            if not ok:
                reason = f"the articles do not attribute this to the {m.group(1)} {m.group(2)}"
                issues.append(_against(sentence, m.group(0), "entity", reason, src, best))
        return issues

    @staticmethod
    def _check_speakers(sentence, plain, src, quotes, outside_quotes):  # type: ignore[no-untyped-def]
        """A quotation put in the mouth of someone the articles never quote with it."""
        if not quotes:
            return []
        people = [
            (name, normalize(name)[-1])
            for start, _, name in _name_spans(plain)
            if outside_quotes(start) and normalize(name)[-1:] and normalize(name)[-1] in src.people
        ]
        issues = []
        for pieces in quotes:
            near = [w for w in src.windows if all(contains(w.joined, p) for p in pieces)]
            speakers = {t for w in near for t in w.words if t in src.people}
            if not speakers or any(surname in speakers for _, surname in people):
                continue  # someone named in the sentence is quoted with these words
            for name, surname in people:
                if surname not in speakers:
                    who = ", ".join(sorted(speakers))
                    reason = f"the articles give this quotation beside {who}, not {name}"
                    evidence = [src.evidence(w.doc, w.text) for w in near[:2]]
                    issues.append(_unsupported(sentence, name, "entity", reason, evidence))
        return issues

    @staticmethod
    def _titles_of(surname: str, src: Sources) -> set[str]:
        """Title words the documents put right before the name or in apposition after it."""
        if surname in src.titles:
            return src.titles[surname]
        given: set[str] = set()
        src.titles[surname] = given
        for text in src.sentences:
            if surname not in text.lower():
                continue
            plain = text.translate(_PUNCT)
            for start, end, name in _name_spans(plain):
                if normalize(name)[-1:] == [surname]:
                    given.update(_title_before(plain, start))
                    given.update(_title_after(plain, end))
        return given

    @staticmethod
    def _variants(toks: Sequence[str], src: Sources) -> list[Evidence]:
        """Spellings in the documents of a name token within two edits, beside the same name."""
        out: list[Evidence] = []
        for pos, tok in enumerate(toks):
            if len(tok) < 5 or len(toks) < 2:
                continue
            neighbour = toks[pos - 1] if pos else toks[pos + 1]
            close = {
                t
                for t in src.vocabulary
                if t != tok
                and t[:1] == tok[:1]
                and abs(len(t) - len(tok)) <= 2
                and len(t) >= 4
                and _edits(t, tok) <= 2
                and not t.startswith(tok)
                and not tok.startswith(t)
            }
            if not close:
                continue
            for d, doc in enumerate(src.doc_tokens):
                for i, t in enumerate(doc):
                    if t not in close:
                        continue
                    near = doc[max(0, i - 1) : i + 2]
                    if neighbour in near:
                        out.append(src.evidence(d, " ".join(doc[max(0, i - 1) : i + 2])))
                        break
        return out

    @staticmethod
    def _demonym_docs(toks: Sequence[str], src: Sources) -> list[int]:
        """'Chinese' is supported by 'China' (a crude stem match for one-word names)."""
        if len(toks) != 1 or len(toks[0]) < 5:
            return []
        stem = toks[0][:4]
        return [
            d
            for d, doc in enumerate(src.doc_tokens)
            if any(t.startswith(stem) and abs(len(t) - len(toks[0])) <= 3 for t in doc)
        ]

    def _check_dates(self, sentence, plain, src, words, note, outside_quotes):  # type: ignore[no-untyped-def]
        issues: list[Issue] = []
        for m in _DATE_WORD.finditer(plain):
            if not outside_quotes(m.start()):
                continue
            word = m.group(1).lower()
            day = re.search(r"(\d{1,2})\s*$", plain[: m.start()]) or re.match(
                r"\s+(\d{1,2})\b", plain[m.end() :]
            )
            claim = [word, day.group(1)] if day and word in MONTHS else [word]

            def holds(w: Window, claim: list[str] = claim) -> bool:
                if len(claim) == 1:
                    return f" {claim[0]} " in w.joined
                return contains(w.joined, claim) or contains(w.joined, claim[::-1])

            ok, best = self._bound(src, words, claim, holds)
            span = m.group(0) if len(claim) == 1 else f"{claim[1]} {m.group(1)}"
            if word in MONTHS and len(claim) == 1:
                ctx = _local_context(words, [word], self.reach) - {word}
                sides = self._month_sides(src, ctx)
                others = {d for mo, ds in sides.items() if mo != word for d in ds} - set(
                    sides.get(word, [])
                )
                if word in sides and others:
                    ev = [src.evidence(d, mo) for mo, ds in sorted(sides.items()) for d in ds]
                    said = ", ".join(
                        f"{mo}: {len(ds)} article(s)" for mo, ds in sorted(sides.items())
                    )
                    issues.append(
                        Issue(
                            sentence,
                            span,
                            "date",
                            "disputed",
                            f"the articles disagree on the month ({said})",
                            tuple(ev),
                        )
                    )
                    continue
            if ok:
                note("date", span, sorted({w.doc for w in src.windows if holds(w)}))
                continue
            reason = (
                f"no article gives {span!r}"
                if best is None and not any(holds(w) for w in src.windows)
                else f"the articles give {span!r} for something else"
            )
            issues.append(_against(sentence, span, "date", reason, src, best))
        for m in re.finditer(r"\b(1[89]\d\d|20\d\d)\b", plain):
            if not outside_quotes(m.start()):
                continue
            year = m.group(1)
            ok, best = self._bound(src, words, [year])
            if ok:
                note("date", year, src.docs_with([year]))
            else:
                issues.append(
                    _against(sentence, year, "date", f"no article gives {year} for this", src, best)
                )
        return issues

    def _month_sides(self, src: Sources, ctx: set[str]) -> dict[str, list[int]]:
        """Months the documents give in the windows that best match the sentence."""
        if not ctx:
            return {}
        fits = [len(ctx & w.words) / len(ctx) for w in src.windows]
        top = max(fits)
        sides: dict[str, list[int]] = {}
        for w, f in zip(src.windows, fits, strict=True):
            if f >= max(self.bind_floor, self.bind_ratio * top):
                for mo in MONTHS:
                    if f" {mo} " in w.joined and w.doc not in sides.setdefault(mo, []):
                        sides[mo].append(w.doc)
        return {mo: ds for mo, ds in sides.items() if ds}


_PLACEHOLDER = re.compile(
    "|".join(rf"(?<![\w<\[]){re.escape(p)}(?![\w>\]])" for p in sorted(PLACEHOLDERS)), re.I
)


def _is_date_number(text: str, m: re.Match[str]) -> bool:
    """Years and days of a month belong to the date check."""
    span = m.group(0).strip()
    if re.fullmatch(r"(1[89]\d\d|20\d\d)[,.]?", span.split()[0] if span.split() else ""):
        return True
    after = text[m.end() - len(m.group(0)) + len(span.split()[0]) :].lstrip()
    before = text[: m.start()].rstrip()
    first = span.split()[0]
    if first.isdigit() and int(first) <= 31:
        if _MONTH_FIRST.match(after):
            return True
        if _MONTH_LAST.search(before):
            return True
    return bool(re.fullmatch(r"\d+/\d+", first))


class FactConsistency:
    """The model-free fact check as a metric: ``fact_consistency`` and ``fact_issues``.

    ``fact_consistency`` is the share of summary sentences without an unsupported or
    contradicted claim (disputed claims are reported, not counted); ``details`` holds, per
    cluster, ``fact_issues`` (every flag, disputed ones included) and ``fact_claims`` (every
    sentence with the claims found and the documents that support each).
    """

    name = "fact"
    higher_is_better = {"fact_consistency": True}
    value_range = (0.0, 1.0)
    needs_references = False
    needs_documents = True

    def __init__(
        self,
        bind_ratio: float = 0.5,
        bind_floor: float = 0.35,
        reach: int = 8,
        min_coverage: float = MIN_COVERAGE,
    ) -> None:
        """See :class:`ClaimChecker`."""
        self.checker = ClaimChecker(bind_ratio, bind_floor, reach, min_coverage)
        self.details: list[dict[str, Any]] = []

    def score(
        self, summaries: Sequence[str], clusters: Sequence[Cluster]
    ) -> list[dict[str, float]]:
        """One ``fact_consistency`` per summary; issues in ``details``."""
        # Summaries of one cluster share one index of its documents, built when the first of
        # them comes up and dropped after the last: only one cluster's index is held at a time.
        groups: dict[int, list[int]] = {}
        for i, cluster in enumerate(clusters):
            if not cluster.documents:
                raise ValueError(
                    f"fact check needs the documents of cluster {cluster.cluster_id!r}"
                )
            groups.setdefault(id(cluster.documents), []).append(i)
        if len(summaries) != len(clusters):
            raise ValueError(f"{len(summaries)} summaries for {len(clusters)} clusters")
        out: list[dict[str, float]] = [{} for _ in clusters]
        details: list[dict[str, Any]] = [{} for _ in clusters]
        for members in groups.values():
            index = Sources(clusters[members[0]].documents)
            for i in members:
                issues, sentences = self.checker.check(summaries[i], clusters[i], index)
                out[i] = {"fact_consistency": consistency_score(len(sentences), issues)}
                details[i] = {
                    "fact_issues": [issue.as_dict() for issue in issues],
                    "fact_claims": sentences,
                }
        self.details = details
        return out

    def signature(self) -> dict[str, str]:
        """Settings that determine the values."""
        return {
            "name": "fact-claims",
            "claims": "entity,title,number,date,quote,content,placeholder",
            "text": "ptb-untokenized,lower-cased-truecased,aliases+countries",
            "bind": f"window=3,ratio={self.checker.bind_ratio},floor={self.checker.bind_floor},"
            f"reach={self.checker.reach},attribution={ATTRIBUTION_RATIO}",
            "numbers": f"heads-agree,reach={HEAD_REACH}",
            "coverage": f"min={self.checker.min_coverage:g},elsewhere={ELSEWHERE:g}",
            "disputed": "months,name-spellings",
            "score": "share of sentences without unsupported/contradicted claims",
        }
