"""Cleaning of the five embedded articles, line by line."""

from __future__ import annotations

import json

import pytest

from bench.preprocess.clean import Cleaner, CleaningConfig, normalize_punctuation
from tests.conftest import CLUSTER_DIR

MANIFEST = json.loads((CLUSTER_DIR / "manifest.json").read_text(encoding="utf-8"))
HEADLINES = {d["doc_id"]: d["headline"] for d in MANIFEST["documents"]}

# Every line cleaning removes (or rejoins), per document: (1-based line, reason, raw text).
EXPECTED_REMOVED = {
    "000_31e86527555d9fb6": [
        (1, "headline", "Pentagon chief seeks more antiterror efforts by Pakistan"),
        (3, "headline", "Pentagon chief seeks more antiterror efforts by Pakistan"),
        (5, "fragment", "Cheryl Sanders"),
        (6, "dateline", "December 5, 2017"),
        (40, "boilerplate", "Other reports by iNewsToday"),
    ],
    "001_2c3a3d8f617d36b7": [
        (1, "headline", "Jim Mattis seeks more cooperation with Pakistan on terror fight"),
    ],
    "002_3f8e3d0fb9951cbf": [
        (1, "headline", "Mattis seeks more cooperation with Pakistan on terror fight"),
        (3, "fragment", "US Defence Secretary Jim Mattis calls on Army Chief General Qamar Javed "
                        "Bajwa at the General Headquarters in Rawalpindi"),
        (5, "fragment", "US defence secy hails Pakistan armed forces' operations against "
                        "terrorists"),
        (37, "section_label", "Latest News"),
    ],
    "003_6e2eb10f333b0c78": [
        (1, "headline", "US defence secretary is coming to Pakistan with a hard stance"),
        (3, "headline", "US defence secretary is coming to Pakistan with a hard stance"),
    ],
    "004_6f08c6a1e536b3f0": [
        (1, "section_label", "International News"),
        (3, "headline", "US defence secretary James Mattis urges Pakistan to \u2018redouble\u2019 "
                        "efforts against terrorists"),
        (26, "rejoined_with_line_25", "the border in Afghanistan,\u201d the ISPR statement said."),
        (34, "boilerplate", "Your Opinion Counts !"),
        (36, "boilerplate", "Show More"),
        (38, "boilerplate", "Related Articles"),
        (40, "boilerplate", "Close"),
        (42, "boilerplate", "Adblock Detected"),
        (44, "boilerplate", "Please consider supporting us by disabling your ad blocker"),
    ],
}  # fmt: skip


def _raw(doc_id: str) -> str:
    return (CLUSTER_DIR / f"{doc_id}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("doc_id", sorted(EXPECTED_REMOVED))
def test_cleaning_removes_exactly_the_expected_lines(doc_id):
    cleaned = Cleaner().clean(_raw(doc_id), HEADLINES[doc_id])
    got = [(r.line_no, r.reason, r.text) for r in cleaned.removed]
    assert got == EXPECTED_REMOVED[doc_id]


@pytest.mark.parametrize("doc_id", sorted(EXPECTED_REMOVED))
def test_every_kept_paragraph_comes_from_a_raw_line(doc_id):
    raw_lines = {
        normalize_punctuation(" ".join(line.split())) for line in _raw(doc_id).splitlines()
    }
    cleaned = Cleaner().clean(_raw(doc_id), HEADLINES[doc_id])
    rejoined = [p for p in cleaned.paragraphs if p not in raw_lines]
    # Only the sentence broken across two lines in 004 is not a raw line on its own.
    assert len(rejoined) == (1 if doc_id.startswith("004") else 0)


def test_broken_sentence_in_004_is_rejoined():
    cleaned = Cleaner().clean(_raw("004_6f08c6a1e536b3f0"), HEADLINES["004_6f08c6a1e536b3f0"])
    assert any(
        'terrorist safe havens across the border in Afghanistan," the ISPR statement said.' in p
        for p in cleaned.paragraphs
    )


def test_curly_quotes_and_dashes_are_normalised_and_raw_text_is_kept():
    raw = _raw("001_2c3a3d8f617d36b7")
    cleaned = Cleaner().clean(raw, HEADLINES["001_2c3a3d8f617d36b7"])
    assert "\u201c" in raw and "\u2013" in raw and "\u2014" in raw and "\u2026" in raw
    for ch in "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a0":
        assert ch not in cleaned.text
    assert 'Washington\'s concerns over "terrorist safe havens"' in cleaned.text
    assert "Even if it comes... Pakistan shall do" in cleaned.text


def test_cleaning_off_keeps_every_non_blank_line():
    raw = _raw("004_6f08c6a1e536b3f0")
    cleaned = Cleaner(CleaningConfig(enabled=False)).clean(raw, HEADLINES["004_6f08c6a1e536b3f0"])
    assert cleaned.removed == ()
    assert len(cleaned.paragraphs) == sum(1 for line in raw.splitlines() if line.strip())
    assert "\u2019" in cleaned.text  # no normalisation either


@pytest.mark.parametrize(
    ("option", "line_no", "reason"),
    [
        ({"drop_fragments": False}, 5, None),
        ({"drop_datelines": False}, 6, "fragment"),  # a later rule still catches it
        ({"drop_datelines": False, "drop_fragments": False}, 6, None),
        ({"boilerplate": ()}, 40, "fragment"),
        ({"boilerplate": (), "drop_fragments": False}, 40, None),
        ({"drop_headline_lines": False}, 1, "fragment"),
        ({"drop_headline_lines": False, "drop_fragments": False}, 1, None),
        ({"drop_headline_lines": False, "drop_fragments": False}, 3, "repeated_line"),
    ],
)
def test_each_rule_can_be_switched_off(option, line_no, reason):
    cleaned = Cleaner(CleaningConfig(**option)).clean(
        _raw("000_31e86527555d9fb6"), HEADLINES["000_31e86527555d9fb6"]
    )
    reasons = {r.line_no: r.reason for r in cleaned.removed}
    assert reasons.get(line_no) == reason
    raw_line = _raw("000_31e86527555d9fb6").splitlines()[line_no - 1]
    if reason is None:
        assert raw_line in cleaned.paragraphs


def test_invalid_boilerplate_pattern_is_rejected():
    with pytest.raises(ValueError, match="invalid boilerplate pattern"):
        CleaningConfig(boilerplate=("(unclosed",))


@pytest.mark.parametrize(
    ("raw", "kept", "reason_of_line_2"),
    [
        ("Show More\nthe army said it was ready.", ["the army said it was ready."], None),
        ("December 5, 2017\nthe talks went well.", ["the talks went well."], None),
        ("The talks were held across\nthe border, officials said.",
         ["The talks were held across the border, officials said."], "rejoined_with_line_1"),
        ("The talks were held across\n\nthe border, officials said.",
         ["the border, officials said."], None),
    ],
)  # fmt: skip
def test_lines_are_rejoined_only_onto_a_kept_line(raw, kept, reason_of_line_2):
    cleaned = Cleaner().clean(raw)
    assert list(cleaned.paragraphs) == kept
    reasons = {r.line_no: r.reason for r in cleaned.removed}
    assert reasons.get(2) == reason_of_line_2


def test_cleaning_config_records_every_setting():
    settings = CleaningConfig().as_dict()
    assert settings["boilerplate"][0] == "other reports by .+"
    assert settings["max_fragment_words"] == 25
