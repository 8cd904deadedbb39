"""English words a typing slip away from the lexicon's keys are read as those keys; glosses are never a
fragment of a word or a light word alone."""

from __future__ import annotations

import pytest

from kotae.glosses import glosses_for as _glosses
from kotae.lexicon import Candidate, Lexicon
from kotae.query import Query
from kotae.spelling import Speller
from kotae.translate import Translation, compound_parts, translate

KEYS = ["headquarters", "secretary", "general", "signed", "summit", "submit", "treaty", "treats"]


@pytest.mark.parametrize(("typed", "meant"), [
    ("headquaters", "headquarters"),  # a letter dropped
    ("headquarterss", "headquarters"),  # one added
    ("secretery", "secretary"),  # one changed
    ("genreal", "general"),  # two neighbours swapped
    ("treaty", None),  # spelt right: nothing to correct
    ("sumit", "summit"),  # summit or submit: the one sharing the longer beginning
    ("treatz", None),  # treaty or treats, equally near: not a guess to make
    ("sumt", None),  # too short to guess among its neighbours
    ("banana", None),  # nothing near
])
def test_one_slip_finds_the_key_meant(typed, meant):
    assert Speller(KEYS).correct(typed) == meant


def test_a_misspelt_question_word_is_translated_as_the_word_meant():
    lexicon = Lexicon(entries={"headquarters": (Candidate("本部", ("本部",), "jmdict", 1.0),)}, skeletons={})
    right, _ = translate(["headquarters"], lexicon, {"本部": 0})
    typo, unknown = translate(["headquaters"], lexicon, {"本部": 0})
    assert typo == right and not unknown
    assert translate(["qwertyuiop"], lexicon, {"本部": 0}) == ([], ["qwertyuiop"])
    # A real English word the lexicon lacks is not a slip for a key that looks like it.
    lexicon = Lexicon(entries={"selection": (Candidate("選挙", ("選挙",), "jmdict", 1.0),)}, skeletons={})
    assert translate(["election"], lexicon, {}) == ([], ["election"])


def test_a_compound_nothing_knows_is_translated_as_its_two_known_words():
    entries = {w: (Candidate(ja, (ja,), "jmdict", 1.0),) for w, ja in
               {"battle": "戦闘", "group": "集団", "war": "戦争", "ship": "艦", "wars": "戦争", "hip": "尻",
                "ban": "禁止"}.items()}
    lexicon = Lexicon(entries=entries, skeletons={})
    vocab = {"戦闘": 0, "集団": 1, "ana": 2}
    found, unknown = translate(["battlegroup"], lexicon, vocab)
    assert [t.source for t in found] == ["battle", "group"] and not unknown
    assert compound_parts("warship", lexicon, vocab) == ["war", "ship"]  # as written, not wars hip
    assert compound_parts("banana", lexicon, vocab) == []  # ana is a word of the documents, not of English
    assert translate(["banana"], lexicon, vocab) == ([], ["banana"])


def test_words_written_with_a_hyphen_are_also_looked_up_as_one():
    """clean-up is read as the words clean and up, which the dictionary does not have as a phrase; it has cleanup."""
    from kotae.english import english_words, hyphenated

    question = "What environmental clean-up did Japan’s Self-Defense money pay for?"
    assert hyphenated(question) == {("clean", "up"), ("self", "defense")}
    lexicon = Lexicon(entries={"cleanup": (Candidate("浄化", ("浄化",), "jmdict", 1.0),),
                               "up": (Candidate("上", ("上",), "jmdict", 1.0),),
                               "clean": (Candidate("清潔", ("清潔",), "jmdict", 1.0),)}, skeletons={})
    words = english_words("environmental clean-up")
    found, _ = translate(words, lexicon, {}, joined=hyphenated(question))
    assert [(t.source, t.candidates) for t in found] == [("clean up", (("浄化",),))]
    apart, _ = translate(english_words("environmental clean up"), lexicon, {}, joined=hyphenated("clean up"))
    assert [t.source for t in apart] == ["clean", "up"]  # written apart: two words
    knowhow = Lexicon(entries={"knowhow": (Candidate("知見", ("知見",), "supplement", 0.0),)}, skeletons={})
    question = "Who has the know-how?"  # know and how are stop words apart, not as the one word they make
    found, _ = translate(english_words(question), knowhow, {}, joined=hyphenated(question))
    assert [(t.source, t.candidates) for t in found] == [("know how", (("知見",),))]


def test_glosses_are_never_a_fragment_or_a_light_word_alone():
    def tr(source: str, *runs: tuple[str, ...]) -> Translation:
        return Translation(source, runs, tuple(1.0 for _ in runs))

    query = Query(lang="en", terms=(), unknown=(), kind=None, translations=(
        tr("tea", ("茶",)), tr("festival", ("まつり",)), tr("first", ("共",)), tr("say", ("いう",)),
        tr("headquartered", ("よる",)), tr("held", ("開催",))))
    text = "茶まつりは共同でいうことによる開催である。"
    glosses = {g.ja: g.en for g in _glosses([text], {"茶", "まつり", "共", "いう", "よる", "開催"}, query)}
    assert glosses == {"茶まつり": "tea festival", "開催": "held"}


def test_a_numbered_article_is_searched_as_the_documents_number_it():
    lexicon = Lexicon(entries={"article": (Candidate("条", ("条",), "jmdict", 1.0),)}, skeletons={})
    vocab = {"第": 0, "5": 1, "条": 2, "月": 3}
    found, unknown = translate(["article", "5", "treaty"], lexicon, vocab)
    assert [(t.source, t.candidates) for t in found] == [("article 5", (("第", "5", "条"),))]
    assert unknown == ["treaty"]
    # Where the documents number nothing that way, the words are read one by one.
    found, _ = translate(["chapter", "5"], lexicon, vocab)
    assert [t.source for t in found] == ["5"]


def test_a_japanese_questions_numbered_part_is_one_run_of_terms():
    """第5条 in a Japanese question is met by a sentence only with its number and counter together, as Article 5
    is: 第10条 holds 第 and 条 but is not 第5条. A count (5か国) stays terms, and so does a part other than an article
    that the documents never number so (第7章: they may number chapters 7.); an article they lack (第99条) is one
    term, which no passage holds."""
    from kotae.numbered import numbered_terms

    vocab = {"第": 0, "5": 1, "条": 2, "か国": 3, "章": 4}
    parts, rest = numbered_terms(["規約", "の", "第", "5", "条", "は"], vocab)
    assert parts == [("第5条", (("第", "5", "条"),))]
    assert rest == ["規約", "の", "は"]
    parts, rest = numbered_terms(["5", "条"], vocab)
    assert parts == [("5条", (("5", "条"),))] and rest == []
    assert numbered_terms(["5", "か国"], vocab) == ([], ["5", "か国"])
    assert numbered_terms(["第", "7", "章"], vocab) == ([], ["第", "7", "章"])  # no 7 in the documents
    assert numbered_terms(["第", "99", "条", "は"], vocab) == ([], ["第99条", "は"])


def test_an_article_is_found_as_the_documents_number_it_in_kanji_numerals():
    """Documents that write 第九十九条 are met by 第99条 and Article 99, through the analyzer that read them."""
    from kotae.analyze import Analyzer
    from kotae.numbered import is_missing_article, numbered_terms, numbered_words
    from kotae.numerals import kanji_numeral

    assert [kanji_numeral(n) for n in (5, 10, 12, 99, 105, 1949)] == ["五", "十", "十二", "九十九", "百五",
                                                                     "千九百四十九"]
    analyzer = Analyzer()
    vocab = {t: 0 for t in analyzer.terms("第九十九条 第五条 締約国")}
    parts, _ = numbered_terms(analyzer.terms("第99条には何が?"), vocab, analyzer.terms)
    assert parts == [("第99条", (tuple(analyzer.terms("第九十九条")),))]
    assert numbered_words(["article", "5"], vocab, analyzer.terms) == (tuple(analyzer.terms("第五条")),)
    assert numbered_words(["article", "7"], vocab, analyzer.terms) == ()  # asked for, and lacking
    # Any number a question may give, however large ("section 1000005" once failed the request).
    assert [kanji_numeral(n) for n in (10000, 12345, 1000005, 10**8 + 1)] == ["一万", "一万二千三百四十五", "百万五",
                                                                             "一億一"]
    assert numbered_words(["section", "1000005"], vocab, analyzer.terms) is None
    assert numbered_words(["article", "1000005"], vocab, analyzer.terms) == ()
    assert numbered_words(["chapter", "7"], vocab, analyzer.terms) is None  # read word by word
    assert is_missing_article("第7条") and is_missing_article("article 7") and not is_missing_article("7か国")
