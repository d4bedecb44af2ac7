"""Silent zeros: text in other scripts is scored (on request) or warned about, never dropped.

rouge-score's tokenizer keeps only ``[a-z0-9]+``, so a summary identical to its Arabic, Chinese
or Russian reference scores 0. The default stays rouge-score's (published numbers depend on it)
but such texts now raise one warning per run; ``tokenizer=unicode`` scores them. Cleaning took
lines ending in 。 for headline fragments and dropped whole CJK articles.
"""

from __future__ import annotations

import logging

import pytest

from bench.metrics.rouge import Rouge
from bench.preprocess.clean import Cleaner
from bench.types import Cluster, Document, Reference

TEXTS = {
    "arabic": "زار وزير الدفاع الأمريكي باكستان يوم الاثنين لبحث مكافحة الإرهاب",
    "arabic_vowelled": "كَتَبَ الوَلَدُ الدَّرْسَ فِي البَيْتِ",
    "chinese": "美国国防部长周一访问巴基斯坦，讨论反恐合作。",
    "japanese": "米国防長官は月曜日にパキスタンを訪問した。",
    "russian": "Министр обороны США посетил Пакистан в понедельник",
    "greek": "Ο υπουργός Άμυνας των ΗΠΑ επισκέφθηκε το Πακιστάν",
    "hindi": "अमेरिकी रक्षा मंत्री ने सोमवार को पाकिस्तान का दौरा किया",
    "thai": "รัฐมนตรีกลาโหมสหรัฐเยือนปากีสถานในวันจันทร์",
    "korean": "미국 국방장관이 월요일 파키스탄을 방문했다",
}


def _cluster(reference: str) -> Cluster:
    doc = Document("d1", "", reference, reference, (reference,))
    return Cluster("c1", (doc,), (Reference("r1", "a", reference),))


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in TEXTS.items()])
def test_unicode_tokenizer_scores_a_summary_equal_to_its_reference(text):
    metric = Rouge(tokenizer="unicode")
    (scores,) = metric.score([text], [_cluster(text)]).scores
    assert scores["rouge1_f"] == pytest.approx(1.0)
    assert scores["rougeLsum_f"] == pytest.approx(1.0)


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in TEXTS.items()])
def test_default_tokenizer_warns_once_when_a_text_has_no_tokens(text, caplog):
    metric = Rouge()
    with caplog.at_level(logging.WARNING, logger="bench.metrics.rouge"):
        (scores,) = metric.score([text], [_cluster(text)]).scores
        metric.score([text], [_cluster(text)])
    assert scores["rouge1_f"] == 0.0  # rouge-score's tokens, unchanged
    warnings = [r.getMessage() for r in caplog.records if "no scorable tokens" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert "tokenizer=unicode" in warnings[0]


def test_the_tokenizer_is_in_the_signature_and_the_default_signature_is_unchanged():
    assert Rouge().signature()["tok"] == "lower+[a-z0-9]+"
    assert Rouge(tokenizer="unicode").signature()["tok"].startswith("unicode(")


def test_unicode_tokenizer_gives_english_the_same_scores_as_rouge_score():
    summary = "Mattis visited Pakistan on Monday.\nHe met the army chief."
    reference = "On Monday Mattis went to Pakistan.\nThe army chief met him there."
    cluster = _cluster(reference)
    assert Rouge(tokenizer="unicode").score([summary], [cluster]) == Rouge().score(
        [summary], [cluster]
    )


def test_unknown_tokenizer_is_refused():
    with pytest.raises(ValueError, match="tokenizer"):
        Rouge(tokenizer="whitespace")


ARTICLES = {
    "chinese": "美国国防部长周一访问巴基斯坦。\n他与巴基斯坦总理会面，讨论反恐合作。",
    "japanese": "米国防長官は月曜日にパキスタンを訪問した。\n首相と会談した。",
    "chinese_question": "美国会改变政策吗？\n官员表示，合作将继续！",
    "chinese_quoted": "他说：「合作将继续。」\n官员表示欢迎。",
    "arabic_question": "هل ستتغير السياسة الأمريكية؟\nقال المسؤولون إن التعاون سيستمر.",
    "hindi": "अमेरिकी रक्षा मंत्री ने पाकिस्तान का दौरा किया।\nउन्होंने प्रधानमंत्री से मुलाकात की।",
    # Thai ends sentences with a space, not a mark: a line of many characters is no fragment.
    "thai": "รัฐมนตรีกลาโหมสหรัฐเดินทางเยือนปากีสถานในวันจันทร์ เพื่อหารือเรื่องความร่วมมือต่อต้านการก่อการร้าย\n"
    "เขาได้พบกับนายกรัฐมนตรีและผู้บัญชาการทหารบกของปากีสถานที่กรุงอิสลามาบัด",
}


@pytest.mark.parametrize("article", [pytest.param(t, id=k) for k, t in ARTICLES.items()])
def test_articles_ending_sentences_in_other_scripts_are_kept(article):
    cleaned = Cleaner().clean(article)
    assert cleaned.paragraphs == tuple(article.split("\n")), cleaned.removed
