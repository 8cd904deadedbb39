"""Japanese words the documents never use, searched as the documents' words for their English glosses."""

from __future__ import annotations

from kotae.jmdict import Entry, JMdictUnavailable
from kotae.lexicon import Candidate, Lexicon
from kotae.pivot import Pivot, pivots, renderings
from kotae.query import make_query


def _lexicon(**pairs: tuple[tuple[str, float], ...]) -> Lexicon:
    return Lexicon(entries={en: tuple(Candidate(ja, (ja,), "jmdict", rank) for ja, rank in found)
                            for en, found in pairs.items()}, skeletons={})


def test_a_missing_japanese_word_is_searched_as_the_documents_words_for_its_glosses(analyzer):
    # JMdict glosses 一員 "person; member": the documents say メンバー; 員 alone says little and is not searched.
    lexicon = _lexicon(member=(("メンバー", 1.0), ("員", 1.0)), person=(("人物", 0.0),))
    vocab = {t: n for n, t in enumerate(["フィンランド", "nato", "なる", "メンバー", "員", "人物"])}
    question = "フィンランドはNATOの一員になった?"
    plain = make_query(question, analyzer, lexicon, vocab)
    assert "一員" in plain.missing and not any(t.source == "一員" for t in plain.translations)
    query = make_query(question, analyzer, lexicon, vocab, Pivot(lexicon))
    reached = next(t for t in query.translations if t.source == "一員")
    assert set(reached.candidates) == {("メンバー",), ("人物",)} and ("員",) not in reached.candidates
    assert "一員" not in query.missing  # met or unmet as its renderings, no longer as a word nothing holds
    assert reached.weights == tuple(sorted(reached.weights, reverse=True))


def test_renderings_follow_the_senses_in_order_and_leave_out_parts_of_longer_glosses():
    entry = Entry("jmdict", ("招く",), (("to invite", "to ask"), ("to summon",)), 50, ())
    lexicon = _lexicon(invite=(("招待", -12.1), ("招請", -13.4)), summon=(("召喚", 3.0),),
                       ask=(("質問", -30.0),))  # met only as part of a longer gloss: too far from the word
    assert renderings(entry, lexicon) == (("招待",), ("招請",), ("召喚",))


def test_grammar_single_characters_and_words_for_the_answer_kind_or_the_text_are_not_pivoted():
    assert pivots("一員") and pivots("来日") and pivots("トップ")
    assert not pivots("前")  # a gloss for every sense
    assert not pivots("いく") and not pivots("どう")
    assert not pivots("場所") and not pivots("人物")  # what kind of answer, see kotae.answer_type
    assert not pivots("記事")  # 記事によると: the text asked about


def test_without_the_dictionary_nothing_is_pivoted_and_it_is_not_asked_again():
    class Missing:
        asked = 0

        def entries(self, form: str) -> list[Entry]:
            Missing.asked += 1
            raise JMdictUnavailable()

    pivot = Pivot(_lexicon(member=(("メンバー", 1.0),)), dictionary=Missing())
    assert pivot(["一員"]) == [] and pivot(["来日"]) == []
    assert Missing.asked == 1


def test_a_japanese_question_in_other_words_than_the_documents_finds_their_passage(retriever):
    # The documents say 訪問 and 訪れる where the question says 来訪 (visit, call).
    question = "ザルツブルクの副市長が来訪したのはいつ？"
    query = retriever.query(question)
    assert ("訪問",) in next(t for t in query.translations if t.source == "来訪").candidates
    assert "来訪" not in query.missing
    assert "訪れた" in retriever.search(question, top_k=1).passages[0].text


def test_an_index_built_without_the_dictionary_pivots_nothing(tmp_path):
    from support import build_tiny

    from kotae.retrieve import Retriever
    from kotae.store import load_index

    settings = build_tiny(tmp_path)  # lexicon off: no JMdict at build time, none at query time
    retriever = Retriever(load_index(settings), settings)
    assert retriever.pivot is None
    assert "来訪" in retriever.query("ザルツブルクの副市長が来訪したのはいつ？").missing
