"""English questions: language detection, the lexicon, structured BM25 and translation on the real corpus."""

from __future__ import annotations

import pytest

from kotae.english import DERIVATION_PENALTY, INFLECTION_PENALTY, derived, fold, lemmas, word_forms
from kotae.katakana import english_skeleton, kana_skeleton
from kotae.language import detect_language
from kotae.lexical import LexicalIndex
from kotae.lexicon import Candidate, Lexicon, build_lexicon, gloss_key, office_keys, partial_keys
from kotae.translate import translate
from kotae.types import Document


@pytest.mark.parametrize(("question", "lang"), [
    ("NATOの本部はどこにありますか", "ja"),
    ("NATOのIP4とは?", "ja"),  # acronyms are shared by both languages
    ("Where is NATO headquartered?", "en"),
    ("What is 国別適合パートナーシップ計画?", "mixed"),
    ("ＮＡＴＯ summitはいつ?", "mixed"),
])
def test_language_from_script(question, lang):
    assert detect_language(question) == lang


def _lexicon(**entries: list[str]) -> Lexicon:
    return Lexicon(entries={k.replace("_", " "): tuple(Candidate(t, (t,), "jmdict", 1.0) for t in v)
                            for k, v in entries.items()}, skeletons={})


def test_phrases_are_matched_before_words():
    lex = _lexicon(prime_minister=["首相"], prime=["主要"], minister=["大臣"])
    vocab = {"首相": 0, "主要": 1, "大臣": 2}
    found, unknown = translate(["prime", "minister", "met"], lex, vocab)
    assert [(t.source, t.candidates) for t in found] == [("prime minister", (("首相",),))]
    assert unknown == ["met"]


@pytest.mark.parametrize(("word", "base"), [("countries", "country"), ("signed", "sign"), ("meetings", "meeting"),
                                            ("planning", "plan"), ("visited", "visit"), ("agreed", "agree"),
                                            ("held", "hold"), ("met", "meet"), ("brought", "bring"),
                                            ("revised", "revise"), ("frobnicated", "frobnicate")])
def test_inflections_reach_the_base_form(word, base):
    assert base in lemmas(word)


def test_inflected_word_finds_its_entry():
    lex = _lexicon(country=["国"])
    found, _ = translate(["countries"], lex, {"国": 0})
    assert found[0].candidates == (("国",),)


@pytest.mark.parametrize(("british", "american"), [("defence", "defense"), ("organisation", "organization"),
                                                   ("programme", "program"), ("centre", "center"),
                                                   ("labour", "labor")])
def test_british_and_american_spellings_meet(british, american):
    assert fold(british) == fold(american)


@pytest.mark.parametrize("word", ["four", "hour", "exercise", "conference", "science"])
def test_ordinary_words_are_not_respelled(word):
    assert fold(word) == word


def test_names_match_katakana_by_sound():
    assert english_skeleton("stoltenberg") == kana_skeleton("ストルテンベルグ")
    assert english_skeleton("rutte") == kana_skeleton("ルッテ")
    assert english_skeleton("vilnius") == kana_skeleton("ビリニュス")
    assert english_skeleton("brussels") != kana_skeleton("ストルテンベルグ")


def test_a_short_name_matches_its_katakana_only_where_its_vowels_agree_too():
    # rt is the skeleton of Rutte, but also of rate, root and Rita: two consonants are not enough alone.
    lexicon = Lexicon(entries={}, skeletons={"rt": ("ルート", "ルッテ"), "mn": ("オマーン",), "fr": ("フォロー",),
                                             "strtnbrg": ("ストルテンベルグ",)})
    assert lexicon.sounds_like("rutte") == ("ルッテ",)
    assert lexicon.sounds_like("rate") == ()  # an English word is not taken for a name
    assert lexicon.sounds_like("oman") == ("オマーン",) and lexicon.sounds_like("many") == ()
    assert lexicon.sounds_like("four") == () and lexicon.sounds_like("for") == ()
    assert lexicon.sounds_like("stoltenberg") == ("ストルテンベルグ",)  # a longer skeleton goes by itself


def test_a_word_of_three_consonants_matches_only_katakana_whose_vowels_agree_a_little():
    # piracy, press and process are all p-r-s; and so are プレス and プロセス.
    lexicon = Lexicon(entries={}, skeletons={"prs": ("プレス", "プロセス"), "gpt": ("エジプト",)})
    assert lexicon.sounds_like("piracy") == ()
    assert "プロセス" in lexicon.sounds_like("process") and "プレス" in lexicon.sounds_like("press")
    assert lexicon.sounds_like("egypt") == ("エジプト",)


def test_short_katakana_words_keep_their_sound_keys(analyzer):
    docs = [Document(id="d", title="t", text="ルッテ事務総長がリガを訪れた。")]
    vocab = {t: n for n, t in enumerate(analyzer.terms(docs[0].text))}
    lexicon, _ = build_lexicon(docs, analyzer, vocab, dictionary=False)
    assert lexicon.sounds_like("rutte") == ("ルッテ",) and lexicon.sounds_like("riga") == ("リガ",)


@pytest.mark.parametrize(("gloss", "keys"), [
    ("minister for foreign affairs", ["foreign minister", "foreign affairs minister"]),
    ("minister of defense", ["defense minister"]),
    ("ministry of the environment", ["environment ministry"]),
    ("minister", []), ("prime minister", []), ("ministry of land infrastructure transport", []),  # no field, or long
])
def test_an_office_named_after_its_field_is_also_keyed_field_first(gloss, keys):
    assert office_keys(gloss) == keys


def test_a_question_naming_an_office_field_first_finds_the_gloss_written_the_other_way(analyzer):
    docs = [Document(id="d", title="t", text="岸田外務大臣がNATO本部を訪問した。")]
    vocab = {t: n for n, t in enumerate(analyzer.terms(docs[0].text))}
    lexicon, notes = build_lexicon(docs, analyzer, vocab)
    if notes:
        pytest.skip(notes[0])
    assert "外務大臣" in [c.ja for c in lexicon.lookup(["foreign", "minister"])]  # JMdict: Minister for Foreign Affairs


def test_a_katakana_word_with_v_is_found_under_the_spelling_the_dictionary_files_it_under(analyzer):
    """ヴィースバーデン is in JMnedict as ウィースバーデン (Wiesbaden): the lexicon offers the documents' own
    spelling for the English name."""
    from kotae.katakana import spelling_variants

    assert spelling_variants("ヴィースバーデン") == {"ビースバーデン", "ウィースバーデン"}
    assert spelling_variants("ヴァイオリン") == {"バイオリン", "ワイオリン"}
    assert spelling_variants("ブリュッセル") == set()
    docs = [Document(id="d", title="t", text="司令部はドイツのヴィースバーデンに置かれた。")]
    vocab = {t: n for n, t in enumerate(analyzer.terms(docs[0].text))}
    lexicon, notes = build_lexicon(docs, analyzer, vocab)
    if notes:
        pytest.skip(notes[0])
    assert "ヴィースバーデン" in [c.ja for c in lexicon.lookup(["wiesbaden"])]


def test_a_word_with_twenty_translations_does_not_outweigh_a_word_with_one():
    # Chunk 0 holds the one translation of a rare word; chunk 1 holds one of twenty translations of another.
    many = [f"m{i}" for i in range(20)]
    docs = [["x", "filler"], ["m0", "filler"]] + [[m, "filler"] for m in many[1:]] + [["filler"]] * 10
    index = LexicalIndex.build(docs)
    structured = index.group_scores([[((m,), 1.0) for m in many], [(("x",), 1.0)]])
    assert structured[0] > 2 * structured[1]
    flat = index.scores(["x", *many])  # each candidate as its own term: the two chunks tie
    assert flat[0] == pytest.approx(flat[1])


def test_group_of_one_scores_like_plain_bm25(lexical_index):
    for term in ("館長", "sl", "改訂"):
        plain = lexical_index.lexical.scores([term])
        assert plain.any(), term
        assert lexical_index.lexical.group_scores([[((term,), 1.0)]]) == pytest.approx(plain, rel=1e-5, abs=1e-6)


def _terms(result) -> dict[str, list[str]]:
    return {t["en"]: t["ja"] for t in result.query_terms if isinstance(t, dict)}


@pytest.mark.parametrize(("question", "english", "japanese"), [
    ("Who is the director of the library?", "director", "館長"),
    ("What did the chairman say at the press conference?", "press conference", "記者会見"),  # a phrase
    ("Which city is the sister city of Salzburg?", "salzburg", "ザルツブルク"),   # JMdict / JMnedict name
    ("When did Brandolini visit Matsumoto?", "brandolini", "ブランドリーニ"),  # by sound
    ("How many volunteers help the library?", "volunteers", "ボランティア"),  # UniDic loanword origin
])
def test_english_words_become_corpus_terms(retriever, question, english, japanese):
    result = retriever.search(question, mode="lexical")
    assert japanese in _terms(result).get(english, []), result.query_terms


@pytest.mark.parametrize("question", ["Is the library still open on Mondays?",
                                      "Has the timetable already been revised?"])
def test_words_of_a_questions_time_are_not_searched_for(retriever, question):
    """"still" and "already" ask whether something holds now, they name nothing: searched, "still" found 一層
    ("more and more") in passages about anything."""
    terms = _terms(retriever.search(question, mode="lexical"))
    assert terms and not {"still", "already"} & set(terms), terms


def test_english_question_finds_the_japanese_passage(retriever):
    result = retriever.search("When was the timetable revised?", mode="lexical")
    assert any("時刻表は2022年3月に改訂され" in p.text for p in result.passages[:3])


def test_japanese_questions_do_not_use_the_lexicon(retriever):
    result = retriever.search("図書館の館長は誰ですか", mode="lexical")
    assert result.query_terms and all(isinstance(t, str) for t in result.query_terms)


def test_unknown_words_give_a_reason_not_random_passages(retriever):
    result = retriever.search("Xyzzy plugh frobnicate?", mode="lexical")
    assert result.passages == ()
    assert "xyzzy" in result.note


def test_unlikely_candidates_cannot_make_a_word_common():
    # "japan" → 日本 (likely) or 日 (a day; in nearly every chunk). Pirkola's union would let 日 make the
    # word as common as 日, so it would score almost nothing; weighted, 日本 still tells the chunks apart.
    docs = [["日本", "x"]] + [["日", "x"]] * 30 + [["x"]] * 9
    index = LexicalIndex.build(docs)
    union = index.group_scores([[(("日本",), 1.0), (("日",), 1.0)]])
    weighted = index.group_scores([[(("日本",), 1.0), (("日",), 0.5)]])
    assert weighted[0] > 2 * union[0]
    assert weighted[0] > weighted[1] > 0


def test_a_candidate_of_several_terms_counts_only_where_all_occur():
    # 北大西洋 is analysed into 北 / 大西 / 洋; a chunk with only 洋 (太平洋) is not about the North Atlantic.
    docs = [["北", "大西", "洋", "理事"], ["太平", "洋", "理事"], ["理事"]] + [["z"]] * 5
    index = LexicalIndex.build(docs)
    scores = index.group_scores([[(("北", "大西", "洋"), 1.0)]])
    assert scores[0] > 0
    assert scores[1] == 0 and scores[2] == 0


def test_a_lone_numeral_kanji_translates_only_a_number_word():
    """兆 glosses "sign, omen" as well as "trillion"; in the documents it stands inside numbers (約1兆840億ユーロ)."""
    lex = _lexicon(sign=["署名", "兆"], trillion=["兆"], first=["初", "一"], ten_thousand=["万"])
    vocab = {"署名": 0, "兆": 1, "初": 2, "一": 3, "万": 4}
    found, _ = translate(["sign", "first", "trillion", "ten", "thousand"], lex, vocab)
    assert [(t.source, t.candidates) for t in found] == [("sign", (("署名",),)), ("first", (("初",),)),
                                                         ("trillion", (("兆",),)), ("ten thousand", (("万",),))]
    assert translate(["omen"], _lexicon(omen=["兆"]), vocab) == ([], ["omen"])  # nothing else: unknown


def test_a_candidate_written_inside_a_likelier_one_is_dropped():
    """北 abbreviates 北朝鮮 but in the documents stands in every 北大西洋; 朝鮮 after 北朝鮮 likewise adds nothing."""
    lex = Lexicon(entries={k: tuple(Candidate(t, (t,), "jmdict", -n) for n, t in enumerate(v)) for k, v in
                           {"north korea": ["北朝鮮", "北", "朝鮮"], "china": ["中", "中国"]}.items()}, skeletons={})
    vocab = {"北朝鮮": 0, "北": 1, "朝鮮": 2, "中": 3, "中国": 4}
    found, _ = translate(["north", "korea", "china"], lex, vocab)
    # Only what stands inside one before it: 中 before 中国 stays (a likelier reading, not part of one).
    assert [(t.source, t.candidates) for t in found] == [("north korea", (("北朝鮮",),)),
                                                         ("china", (("中",), ("中国",)))]


def test_later_candidates_weigh_less():
    lex = Lexicon(entries={"support": (Candidate("支援", ("支援",), "jmdict", 0.0),
                                       Candidate("支持", ("支持",), "jmdict", -20.0))}, skeletons={})
    found, _ = translate(["support"], lex, {"支援": 0, "支持": 1})
    assert found[0].candidates == (("支援",), ("支持",))
    assert found[0].weights[0] == 1.0 > found[0].weights[1] > 0


@pytest.mark.parametrize(("word", "noun"), [("sign", "signature"), ("revise", "revision"),
                                            ("establish", "establishment"), ("cooperate", "cooperation"),
                                            ("european", "europe"), ("asian", "asia"), ("political", "politics"),
                                            ("economic", "economy"), ("regional", "region"),
                                            ("prioritize", "priority"), ("summarise", "summary")])
def test_verbs_and_adjectives_reach_the_nouns_dictionaries_gloss(word, noun):
    assert noun in derived(word)


@pytest.mark.parametrize(("adverb", "adjective"), [("jointly", "joint"), ("individually", "individual"),
                                                   ("geographically", "geographic"), ("separately", "separate")])
def test_adverbs_reach_the_adjectives_dictionaries_gloss(adverb, adjective):
    assert adjective in derived(adverb)


def test_words_that_only_look_like_adverbs_keep_their_own_meaning():
    assert "ear" not in derived("early") and "famy" not in derived("family")
    assert "reality" not in derived("realize")  # 実現, not 現


def test_derived_nouns_rank_below_the_word_itself():
    lex = Lexicon(entries={"signed": (Candidate("既署名", ("既署名",), "jmdict", -40.0),),
                           "signature": (Candidate("署名", ("署名",), "jmdict", 0.0),),
                           "sign": (Candidate("兆し", ("兆し",), "jmdict", -20.0),)}, skeletons={})
    ranked = [c.ja for c in lex.lookup(["signed"])]
    assert ranked == ["署名", "兆し", "既署名"]  # 0-5, -20-5, -40: each form's penalty applied to its own rank


def test_a_verb_as_inflected_prefers_the_noun_of_its_act_to_a_noun_of_the_same_spelling():
    lex = Lexicon(entries={"sign": (Candidate("目標", ("目標",), "jmdict", -0.4),),
                           "signature": (Candidate("署名", ("署名",), "jmdict", 2.9),)}, skeletons={})
    assert [c.ja for c in lex.lookup(["signed"])] == ["署名", "目標"]
    assert [c.ja for c in lex.lookup(["sign"])] == ["目標", "署名"]  # as written, sign may be the noun


def test_a_phrasal_verb_reaches_the_gloss_of_its_verbal_noun():
    # JMdict glosses 開設 "setting up": the first word of a phrase takes its forms too, -ing spelled as English does.
    lex = Lexicon(entries={"setting up": (Candidate("開設", ("開設",), "jmdict", -2.0),),
                           "set up": (Candidate("体制", ("体制",), "jmdict", -3.0),)}, skeletons={})
    assert [c.ja for c in lex.lookup(["set", "up"])] == ["体制", "開設"]
    # Inflected, the verb names an act: its -ing noun ranks as its base form does (see word_forms).
    assert [c.ja for c in lex.lookup(["sets", "up"])] == ["開設", "体制"]


def test_gloss_keys_drop_stop_words_at_the_ends_and_phrases_give_partial_keys():
    assert gloss_key("for the first time") == "first time"
    assert gloss_key("to be separated") == "separated"
    assert gloss_key("summit (meeting)") == "summit"
    assert partial_keys("summit meeting") == ["summit", "meeting"]
    assert partial_keys("summit") == []


def test_lexicon_on_the_corpus_translates_through_irregular_verbs_and_derived_nouns(retriever):
    result = retriever.search("Where was the first tea festival held after the conference?", mode="lexical")
    terms = _terms(result)
    assert "開催" in terms["held"], terms  # held → hold → holding (開催)
    assert "記者会見" in terms["conference"], terms  # press conference (記者会見), a partial key
    revised = _terms(retriever.search("When was the timetable revised?", mode="lexical"))
    assert "改訂" in revised["revised"], revised  # revise → revision (改訂), not respelled "revized"


def test_month_names_and_number_words_match_how_japanese_writes_them():
    found, unknown = translate(["april", "nine"], Lexicon({}, {}), {"4": 0, "月": 1, "9": 2})
    assert [(t.source, t.candidates) for t in found] == [("april", (("4", "月"),)), ("nine", (("9",),))]
    assert unknown == []


def test_a_word_is_looked_up_as_written_then_its_base_forms_then_their_nouns_and_remembered():
    forms = dict(word_forms("signed"))
    assert forms["signed"] == 0.0
    assert forms["sign"] == INFLECTION_PENALTY
    # An inflected verb names an act: the act's nouns rank as its base form does; as written, a noun is derived.
    assert forms["signature"] == forms["signing"] == INFLECTION_PENALTY
    assert forms["signs"] == DERIVATION_PENALTY and dict(word_forms("sign"))["signature"] == DERIVATION_PENALTY
    assert word_forms("signed") is word_forms("signed")  # lemmatised once per process


def test_the_going_of_a_future_and_passing_prepositions_are_not_words_to_translate():
    from kotae.english import STOPWORDS, english_words

    assert english_words("Is Japan going to send weapons?") == ["is", "japan", "to", "send", "weapons"]
    assert english_words("are they gonna join?") == ["are", "they", "join"]
    assert "going" in english_words("Who is going to Brussels?")  # going somewhere: a verb of its own
    assert "going" in english_words("What is going on?")
    assert {"through", "via"} <= STOPWORDS
