"""The analyzer: index terms that match across writing variants, with offsets into the original text."""

from __future__ import annotations

import sys
import threading
import unicodedata

import pytest

from kotae.analyze import get_analyzer, match_form
from kotae.chunk import split_units

PARTICLES_AND_PUNCTUATION = {"の", "は", "が", "を", "に", "で", "と", "か", "も", "へ", "ます", "です", "だ", "た",
                             "。", "、", "？", "?", "！", "!", "「", "」", "（", "）", "(", ")", "・"}


@pytest.mark.parametrize("variant", ["ＮＡＴＯ", "NATO", "nato", "Ｎａｔｏ"])
def test_full_and_half_width_and_case_give_one_term(analyzer, variant):
    assert analyzer.terms(variant) == ["nato"]
    assert analyzer.terms(f"{variant}の本部") == analyzer.terms("NATOの本部")


def test_spaced_date_gives_numbers_and_units(analyzer):
    expected = ["2014", "年", "5", "月", "6", "日"]
    assert analyzer.terms("2014 年 5 月 6 日") == expected
    assert analyzer.terms("2014年5月6日") == expected
    assert analyzer.terms("２０１４年５月６日") == expected


def test_spelled_acronym_is_one_word(analyzer):
    tokens = analyzer.tokens("N A T O")
    assert [(t.term, t.surface, t.start, t.end) for t in tokens] == [("nato", "N A T O", 0, 7)]

    text = "北大西洋条約機構 (N A T O) について"
    nato = [t for t in analyzer.tokens(text) if t.term == "nato"]
    assert len(nato) == 1
    assert text[nato[0].start:nato[0].end] == "N A T O"


@pytest.mark.parametrize(("sentence", "kanji"), [
    ("日本は国の安全を守る。", ["国"]),
    ("この年に国が変わった。", ["年", "国"]),
    ("今年は良い年だった。", ["年"]),
])
def test_one_character_kanji_words_are_kept(analyzer, sentence, kanji):
    terms = analyzer.terms(sentence)
    for word in kanji:
        assert word in terms


def test_loanword_records_english_origin(analyzer):
    tokens = analyzer.tokens("日本はNATOのパートナーです。")
    partner = [t for t in tokens if t.surface == "パートナー"]
    assert len(partner) == 1
    assert partner[0].origin == "partner"
    # Native words carry no origin.
    assert next(t for t in tokens if t.term == "日本").origin is None


@pytest.mark.parametrize("text", [
    "NATOの本部はどこにありますか",
    "NATOの本部はブリュッセルにあります。",
    "「日本」、（国）！？",
    "それは、本だ！",
])
def test_particles_auxiliaries_and_punctuation_are_dropped(analyzer, text):
    terms = analyzer.terms(text)
    assert terms, "content words must remain"
    assert not set(terms) & PARTICLES_AND_PUNCTUATION


def test_question_words_are_not_terms(analyzer):
    assert analyzer.terms("NATOの本部はどこにありますか") == ["nato", "本部"]


def test_offsets_quote_the_original_text_in_every_corpus_document(corpus_docs):
    """With surface terms, each token's span, normalised for matching, is exactly its term."""
    surface = get_analyzer("surface")
    for doc in corpus_docs:
        tokens = surface.tokens(doc.text)
        assert len(tokens) > 50, doc.id
        previous_end = 0
        for tok in tokens:
            assert 0 <= tok.start < tok.end <= len(doc.text), (doc.id, tok)
            assert doc.text[tok.start:tok.end] == tok.surface, (doc.id, tok)
            assert tok.start >= previous_end, (doc.id, tok)
            assert match_form(tok.surface) == tok.term, (doc.id, tok)
            previous_end = tok.end


def test_default_analyzer_offsets_on_every_corpus_document(corpus_docs, analyzer):
    for doc in corpus_docs:
        for tok in analyzer.tokens(doc.text):
            assert doc.text[tok.start:tok.end] == tok.surface, (doc.id, tok)
            assert tok.pos not in ("助詞", "助動詞", "補助記号"), (doc.id, tok)


def test_a_document_sentence_and_the_same_sentence_alone_give_the_same_terms(corpus_docs, analyzer):
    """Questions are analysed alone; their words must come out as they do inside the documents."""
    checked = 0
    for doc in corpus_docs:
        tokens = analyzer.tokens(doc.text)
        for unit in split_units(doc.text):
            if unit.kind != "sentence":
                continue
            in_document = [t.term for t in tokens if unit.start <= t.start and t.end <= unit.end]
            alone = analyzer.terms(doc.text[unit.start:unit.end])
            assert in_document == alone, doc.text[unit.start:unit.end]
            checked += 1
    assert checked > 25


def test_statement_and_question_give_the_same_terms(analyzer):
    assert analyzer.terms("NATOの本部はブリュッセルにありますか？") == \
        analyzer.terms("NATOの本部はブリュッセルにあります。")


@pytest.mark.parametrize(("text", "word", "term"), [
    ("ｶﾞｲﾄﾞﾌﾞｯｸを読んだ。", "ｶﾞｲﾄﾞﾌﾞｯｸ", "ガイドブック"),
    ("新しいｶﾞｲﾄﾞを作成した。", "ｶﾞｲﾄﾞ", "ガイド"),
    ("日本はﾊﾟｰﾄﾅｰｼｯﾌﾟ協力を進める。", "ﾊﾟｰﾄﾅｰｼｯﾌﾟ", "パートナーシップ"),
])
def test_half_width_katakana_with_voicing_marks_keeps_exact_offsets(analyzer, text, word, term):
    tokens = analyzer.tokens(text)
    match = [t for t in tokens if t.term == term]
    assert len(match) == 1
    tok = match[0]
    assert (tok.start, tok.end) == (text.index(word), text.index(word) + len(word))
    assert text[tok.start:tok.end] == word
    # The following token starts right where the voiced word ends, not shifted by the merged marks.
    for t in tokens:
        assert text[t.start:t.end] == t.surface
    # And the full-width spelling gives the same terms.
    assert analyzer.terms(unicodedata.normalize("NFKC", text)) == analyzer.terms(text)


@pytest.mark.parametrize(("text", "names"), [
    ("事務総長\tマルク・ルッテ", {"マルク", "ルッテ"}),   # parts joined by ・
    ("【ルッテ事務総長】", {"ルッテ"}),                    # a word before a title
    ("ボスニア・ヘルツェゴビナを訪問", set()),            # a known place stays a place
    ("パートナーシップを強化", set()),                    # an ordinary loanword is no one
])
def test_katakana_names_before_titles_or_joined_by_nakaguro_are_people(analyzer, text, names):
    assert {t.surface for t in analyzer.tokens(text) if t.entity == "person"} == names


def test_one_analyzer_shared_by_threads_gives_each_the_tokens_of_its_own_text(analyzer, corpus_docs):
    # The HTTP API analyses questions and passages in a thread pool; a shared MeCab lattice would hand one
    # thread another's words. A tiny switch interval makes threads interleave inside every call.
    texts = [d.text[:1500] for d in corpus_docs]
    expected = [analyzer.tokens(t) for t in texts]
    wrong: list[int] = []

    def work(n: int) -> None:
        for _ in range(5):
            if analyzer.tokens(texts[n % len(texts)]) != expected[n % len(texts)]:
                wrong.append(n)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert wrong == []


def test_threads_take_turns_on_at_most_one_tagger_per_cpu(monkeypatch, corpus_docs):
    # Each tagger keeps the features of every word it has met: one per thread made a busy server hold a gigabyte.
    import os

    import fugashi

    from kotae.analyze import Analyzer

    made: list[object] = []
    tagger = fugashi.Tagger

    def counted():
        made.append(tagger())
        return made[-1]

    monkeypatch.setattr(fugashi, "Tagger", counted)
    shared = Analyzer()
    texts = [d.text[:800] for d in corpus_docs]
    expected = [shared.tokens(t) for t in texts]
    results: dict[int, list] = {}

    def work(n: int) -> None:
        results[n] = shared.tokens(texts[n % len(texts)])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[n] == expected[n % len(texts)] for n in range(16))
    assert 1 <= len(made) <= (os.cpu_count() or 1)
