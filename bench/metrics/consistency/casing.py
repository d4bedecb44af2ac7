"""Case restored to lower-cased summaries, so that names are found without relying on capitals.

Real corpora are partly lower-cased (CNN/DailyMail and XSum system outputs: "ronnie o'sullivan
beat matthew stevens"). The name, title and date checks look for capitalised words, so a
sentence with no case information is first given the case the evidence suggests (truecasing,
in the spirit of Lita et al., "tRuEcasIng", ACL 2003, with a unigram model):

- a word the source documents write, more often capitalised inside a sentence than in lower
  case, is a name there and is capitalised ("kujala" -> "Kujala", "may" stays "may" unless the
  articles write "May");
- a word the documents never write is capitalised when it is no lower-case English word
  (``data/english_words.txt``): "donald", "peshawar" and "ronaldo" are name-like, "killed" and
  "toll" are not.

Only letter case changes, so every span found in the cased sentence is cut from the sentence
as written at the same offsets.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from bench.metrics.consistency.lexicon import english_words

# System outputs mark out-of-vocabulary words "UNK" / "<unk>": a placeholder, not a name.
PLACEHOLDERS = frozenset({"unk", "<unk>", "[unk]"})
_WORD = re.compile(r"<unk>|\[unk\]|(?<![\w'’])(?:[A-Za-z][A-Za-z'’.]*[A-Za-z]|[A-Za-z])", re.I)
_SENTENCE_START = re.compile(r"^\W*$")


def has_case(text: str) -> bool:
    """Whether the text uses capitals at all (placeholders such as "UNK" aside)."""
    if text.islower():  # no capital anywhere (and the words hold only ASCII letters)
        return False
    return any(
        not w.islower() and w.lower() not in PLACEHOLDERS
        for w in map(re.Match.group, _WORD.finditer(text))
        if any(c.isalpha() for c in w)
    )


@lru_cache(maxsize=1 << 16)
def _key(word: str) -> str:
    word = word.lower().replace("’", "'")
    return word[:-2] if word.endswith("'s") else word.rstrip("'.")


class CaseModel:
    """How the source documents write each word: capitalised inside a sentence, or not."""

    def __init__(self, sentences: Iterable[str]) -> None:
        """Count the written forms of every word of the sentences."""
        self.capitalised: Counter[str] = Counter()
        self.lower: Counter[str] = Counter()
        for sentence in sentences:
            for m in _WORD.finditer(sentence):
                word = m.group(0)
                key = _key(word)
                if word[0].islower():
                    self.lower[key] += 1
                elif not _SENTENCE_START.match(sentence[: m.start()]):
                    self.capitalised[key] += 1

    def seen(self, key: str) -> bool:
        """Whether the documents write the word at all (outside sentence starts)."""
        return key in self.capitalised or key in self.lower

    def name_like(self, word: str) -> bool:
        """Whether the word should be capitalised (see the module docstring)."""
        key = _key(word)
        if key in PLACEHOLDERS or len(key) < 2:
            return False
        if self.seen(key):
            return self.capitalised[key] > self.lower[key]
        # short unknown words are abbreviations as often as names ("pm", "mr", "uk")
        parts = [p for p in re.split(r"['.]", key) if len(p) > 2]
        return any(p not in english_words() for p in parts)

    def truecase(self, sentence: str) -> str:
        """The sentence with its name-like words capitalised (same length, same offsets)."""
        out = list(sentence)
        for m in _WORD.finditer(sentence):
            word = m.group(0)
            if word.islower() and self.name_like(word):
                out[m.start()] = word[0].upper()
        return "".join(out)
