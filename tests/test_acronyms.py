"""Acronyms the documents define: found at index time, searched as themselves or their names written out."""

from __future__ import annotations

import pytest
from support import build

from kotae.acronyms import find_acronyms, joined_form, long_form, named_acronyms
from kotae.lexicon import Candidate, Lexicon
from kotae.query import make_query
from kotae.types import Document

TEXT = ("日本とNATOは2014年に国別パートナーシップ協力計画(IPCP)に署名した。\n"
        "大使館はContact Point Embassy（CPE）を務める。\n"
        "北大西洋条約機構(NATO)の本部はブリュッセルにある。NATO(NATO)\n")


@pytest.mark.parametrize(("text", "expected"), [
    ("日本は国別パートナーシップ協力計画(IPCP)", "国別パートナーシップ協力計画"),  # back to the particle
    ("「対ウクライナ安全保障支援・訓練組織(NSATU)」", "対ウクライナ安全保障支援・訓練組織"),  # across a middle dot
    ("大使館はContact Point Embassy (CPE)", "Contact Point Embassy"),  # English words with their spaces
    ("、地中海ダイアログ(MD)", "地中海ダイアログ"),
])
def test_the_written_out_name_is_read_back_to_where_it_begins(text, expected):
    assert long_form(text, text.index("(")) == expected


@pytest.mark.parametrize(("text", "acronym", "expected"), [
    ("●平和のためのパートナーシップ(PfP)", "PfP", "平和のためのパートナーシップ"),  # across のための
    ("防護活動、確固たる支援任務(RSM)", "RSM", "確固たる支援任務"),
    ("日本は国別パートナーシップ協力計画(IPCP)", "IPCP", "国別パートナーシップ協力計画"),  # words enough
    ("NATOのアフガニスタン国軍(ANA)", "ANA", "アフガニスタン国軍"),  # not from a Latin word
    ("市民の平和のための科学(SPS)", "SPS", "平和のための科学"),  # until as many words as capitals
    ("日本と韓国とニュージーランド(NZ)", "NZ", "ニュージーランド"),  # one word per capital already
])
def test_a_japanese_name_is_read_back_across_its_particles_while_it_has_fewer_words_than_capitals(
        analyzer, text, acronym, expected):
    assert joined_form(text, text.index("("), acronym, analyzer) == expected


def test_acronyms_defined_in_the_documents_map_to_the_terms_of_their_names(analyzer):
    doc = Document(id="d", title="t", text=TEXT)
    vocab = {t: n for n, t in enumerate(analyzer.terms(TEXT))}
    found = find_acronyms([doc], analyzer, vocab)
    assert found["ipcp"] == (("国別", "パートナーシップ", "協力", "計画"),)
    assert found["cpe"] == (("contact", "point", "embassy"),)
    assert found["nato"] == (tuple(analyzer.terms("北大西洋条約機構")),)  # NATO(NATO) names nothing


def test_a_question_searches_an_acronym_or_its_name_as_one_term_in_both_languages(analyzer):
    lexicon = Lexicon(entries={}, skeletons={}, acronyms={"ipcp": (("国別", "計画"),)})
    vocab = {t: n for n, t in enumerate(["ipcp", "国別", "計画", "署名"])}
    ja = make_query("IPCPはいつ署名された?", analyzer, lexicon, vocab)
    assert "ipcp" not in ja.terms and "署名" in ja.terms
    assert [(t.source, t.candidates, t.weights) for t in ja.translations] == [
        ("ipcp", (("ipcp",), ("国別", "計画")), (1.0, 1.0))]
    assert ja.encoder_text("IPCPはいつ署名された?") == "IPCPはいつ署名された?"  # the model reads the question
    en = make_query("When was the IPCP signed?", analyzer, lexicon, vocab)
    assert (("国別", "計画"), 1.0) in next(t for t in en.translations if t.source == "ipcp").group
    assert Lexicon.from_json(lexicon.to_json()) == lexicon


DEFINED = dict.fromkeys(["pfp", "nrc", "oos", "itpp", "ipcp", "ana", "md"], ())


@pytest.mark.parametrize(("question", "expected"), [
    ("How many countries take part in the Partnership for Peace?", ["pfp"]),  # a joiner's initial counts
    ("What is the NATO–Russia Council?", ["nrc"]),
    ("What was Operation Ocean Shield?", ["oos"]),
    ("What is the Japan–NATO Individually Tailored Partnership Programme?", ["itpp"]),  # part of a longer run
    ("Who signed the Individual Partnership and Cooperation Programme?", ["ipcp"]),  # capitals only
    ("What does Article 4 of the North Atlantic Treaty provide for?", []),  # a number ends a name: not A(4) N A
    ("How much did Japan give to the Afghan National Army Trust Fund?", ["ana"]),
    ("what does the mediterranean dialogue do?", []),  # in lower case, two words' initials match too much
    ("how many countries are in nato partnership for peace", ["pfp"]),  # in lower case, three words' do
    ("what is the afghan national army trust fund", ["ana"]),
    ("how many countries are in NATO partnership for peace", ["pfp"]),  # an acronym in capitals is no name's
    ("when was the individual partnership and cooperation programme signed", ["ipcp"]),  # its words but joiners
    ("are making decisions and partnerships the same for peace?", []),  # a stop word or joiner ends no name
    ("Who is the Prime Minister?", []),  # PM is not defined
    ("Who came to the Ministry of Defense?", []),  # not MD: two capitals left by leaving "of" out
    ("What is the Mediterranean Dialogue?", ["md"]),
])
def test_an_english_question_names_a_defined_acronym_by_writing_it_out(question, expected):
    assert named_acronyms(question, DEFINED) == expected


def test_an_english_question_writing_a_name_out_also_searches_its_acronym(analyzer):
    lexicon = Lexicon(entries={}, skeletons={}, acronyms={"cepp": (("市民", "交流"),)})
    vocab = {t: n for n, t in enumerate(["cepp", "市民", "交流"])}
    query = make_query("When was the Civic Exchange Promotion Plan revised?", analyzer, lexicon, vocab)
    assert [(t.source, t.candidates) for t in query.translations if t.source == "cepp"] == [
        ("cepp", (("cepp",), ("市民", "交流")))]


def test_a_passage_that_only_writes_the_name_out_is_found_by_its_acronym(tmp_path):
    from kotae import open as open_kotae

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plan.md").write_text("# 計画\n\n両市は市民交流推進計画(CEPP)を定めた。\n\n", encoding="utf-8")
    (corpus / "later.md").write_text("# 改訂\n\n市民交流推進計画は2020年に改訂された。\n\n", encoding="utf-8")
    (corpus / "other.md").write_text("# 別の話\n\n駅前の図書館は2021年に改訂された規則で運営される。\n\n",
                                     encoding="utf-8")
    kotae = open_kotae(settings=build(corpus, tmp_path / "index", lexicon=False, embed_model="none"))
    result = kotae.search("CEPPはいつ改訂された?", mode="lexical")
    assert result.passages[0].doc_id == "later"


def test_an_english_question_reaches_the_model_with_its_first_translated_words_only(analyzer):
    words = {"partnership": "協力", "signed": "署名", "brussels": "ブリュッセル"}
    lexicon = Lexicon(entries={en: (Candidate(ja, (ja,), "jmdict", 1.0),) for en, ja in words.items()}, skeletons={})
    vocab = {t: n for n, t in enumerate(words.values())}
    question = "Was the partnership signed in Brussels?"
    en = make_query(question, analyzer, lexicon, vocab)
    assert en.encoder_text(question, 0) == question
    assert en.encoder_text(question, 2) == f"{question} 協力 署名"
    assert en.encoder_text(question) == f"{question} 協力 署名 ブリュッセル"  # every word by default


def test_an_english_question_reaches_the_model_without_translations_it_already_says(analyzer):
    words = {"nato": "NATO", "headquarters": "本部"}
    lexicon = Lexicon(entries={en: (Candidate(ja, (ja,), "jmdict", 1.0),) for en, ja in words.items()}, skeletons={})
    vocab = {t: n for n, t in enumerate(words.values())}
    question = "Where are NATO headquarters?"
    assert make_query(question, analyzer, lexicon, vocab).encoder_text(question) == f"{question} 本部"


def test_a_name_written_with_a_middle_dot_is_searched_by_its_parts_where_the_whole_is_unknown(analyzer):
    lexicon = Lexicon(entries={}, skeletons={})
    question = "事務総長は マルク・ルッテ です"  # before a blank MeCab reads the name as one word
    assert "マルク・ルッテ" in [t.term for t in analyzer.tokens(question)]
    vocab = {t: n for n, t in enumerate(("事務", "総長", "マルク", "ルッテ"))}  # the documents split it
    query = make_query(question, analyzer, lexicon, vocab)
    assert {"マルク", "ルッテ"} <= set(query.terms) and "マルク・ルッテ" not in query.missing
    whole = make_query(question, analyzer, lexicon, {**vocab, "マルク・ルッテ": 4})
    assert "マルク・ルッテ" in whole.terms and "マルク" not in whole.terms  # the documents' own word, kept whole
