"""The short answer: the date, number, place or person a question asks for, as a span of a cited sentence whose
offsets index the document, chosen from the answer's sentences and said in English without guessing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from support import Sentence, pick, span_of

from kotae.answer import Answerer, with_reply
from kotae.answer_type import expected_type
from kotae.en_names import Names
from kotae.lexicon import Candidate, Lexicon
from kotae.short_answer import Question, offices, short_answer
from kotae.spans import find_all
from kotae.thresholds import Thresholds

THRESHOLDS = Thresholds({"lexical": {"ja": 0.3, "en": 0.4}})  # the tests' own, as in test_answer.py
SHORT_KEYS = {"text", "en", "kind", "doc_id", "start", "end"}


@pytest.mark.parametrize(("kind", "question", "sentence", "expected"), [
    ("date", "新館はいつ開館した?", "新館は2013年4月12日に開館した。", "2013年4月12日"),  # the whole date
    ("date", "改訂はいつ?", "計画は令和5年に改訂された。", "令和5年"),  # an era year kept as written
    ("date", "署名はいつ?", "2013年\t4月\t共同宣言に署名", "2013年\t4月"),  # a table row's cells
    ("number", "来場者は何人?", "来場者は約335万人であった。", "約335万人"),  # with its prefix
    ("number", "何人集まった?", "会場には3万人以上が集まった。", "3万人以上"),  # and suffix
    ("number", "加盟国は何か国?", "加盟国\t32か国", "32か国"),
    # Not the question's own 2024; what the question counts, not another number.
    ("number", "2024年に達成した国はいくつ?", "2024年の達成国は、22か国であった。", "22か国"),
    ("number", "参加したのは何か国?", "会議は3回開かれ、7か国が参加した。", "7か国"),
    # What the noun before いくつ ends with counts; a count of things is never a length of time.
    ("number", "協力分野はいくつ?", "計画は4年間の協力を定め、16分野を明記した。", "16分野"),
    ("number", "How many strategic concepts has it adopted?", "創設以来、概ね10年ごとに更新され、8つを策定。", "8つ"),
    ("number", "任期はどれくらい?", "任期は2年で、8つの国が交代で務める。", "2年"),
    # A count is never a percentage, unless a share is asked; allies are counted as countries.
    ("number", "How many allies met the 2% target?", "装備品支出を20%に増額し、10か国が達成した。", "10か国"),
    ("number", "達成した国は何か国?", "装備品支出を20%に増額し、10か国が達成した。", "10か国"),
    ("number", "What share of spending goes to equipment?", "装備品支出を20%に増額し、10か国が達成した。", "20%"),
    ("number", "達成率は何%?", "達成率は20%で、10か国が達成した。", "20%"),
    # The date the question's own verb governs, though the other stands nearer more of the question's words.
    ("date", "国別協力計画が最初に署名されたのはいつ?",
     "計画は2014年5月6日にブリュッセルにおいて署名され、2018年に改訂された国別協力計画に基づく。", "2014年5月6日"),
    ("date", "国別協力計画が改訂されたのはいつ?",
     "計画は2014年5月6日にブリュッセルにおいて署名され、2018年に改訂された国別協力計画に基づく。", "2018年"),
    ("place", "会合はどこで開かれた?", "会合はリトアニアのビリニュスで開かれた。", "リトアニアのビリニュス"),
    ("place", "本部はどこにある?", "本部はブリュッセル(ベルギー)にある。", "ブリュッセル(ベルギー)"),
    ("place", "第1回はどこで開催された?", "第1回は駿府城公園で開催された。", "駿府城公園"),  # a venue
    ("person", "館長は誰?", "館長は山田花子である。", "山田花子"),
    ("person", "来日した事務総長は誰?", "2013年4月、ラスムセン事務総長が来日した。", "ラスムセン事務総長"),
    ("person", "会談したのは誰と誰?", "岸田総理大臣とストルテンベルグ事務総長が会談した。",
     "岸田総理大臣とストルテンベルグ事務総長"),
    ("person", "ルッテ事務総長と会談した日本の総理は?", "石破総理とルッテ事務総長の間で共同声明を発出。", "石破総理"),
    # Asked for the holder of one office, not both of the two people the sentence joins.
    ("person", "2023年の事務総長は誰?", "岸田総理とストルテンベルグ事務総長の間で共同声明を発出。",
     "ストルテンベルグ事務総長"),
    ("person", "署名したのは誰?", "計画は日本国総理大臣と NATO 事務総長により署名された。",
     "日本国総理大臣と NATO 事務総長"),
])
def test_the_item_asked_for_is_a_span_of_the_sentence(analyzer, kind, question, sentence, expected):
    found = pick(analyzer, kind, question, sentence)
    assert found is not None and span_of(found, sentence) == expected and found.kind == kind


def test_the_first_sentence_naming_the_kind_wins(analyzer):
    texts = ("新館は2021年4月1日に開館した。", "旧館は2019年に閉館していた。")
    assert span_of(pick(analyzer, "date", "いつ開館した?", *texts), *texts) == "2021年4月1日"
    texts = ("館長は山田花子である。", "旧館は2019年に閉館していた。")  # the first names no date
    found = pick(analyzer, "date", "いつ?", *texts)
    assert found.doc_id == "doc-1" and span_of(found, *texts) == "2019年"
    # The first sentence is the ranker's answer: its date, though a later one's verb is the question's own word.
    texts = ("日本は2023年にサイバー防衛隊を立ち上げた。", "2025年1月には代表部を開設した。")
    assert span_of(pick(analyzer, "date", "サイバー防衛隊を開設したのはいつ?", *texts), *texts) == "2023年"


def test_nothing_of_the_kind_or_no_kind_gives_none(analyzer):
    assert pick(analyzer, "date", "館長は誰?", "館長は山田花子である。") is None
    assert pick(analyzer, "person", "館長は誰?", "建物は地上3階建てである。") is None
    assert pick(analyzer, None, "目的は何?", "新館は2021年4月1日に開館した。") is None
    assert pick(analyzer, "number", "何人来た?", "来場者は多かった。") is None
    # A section number heading a paragraph is not a value: "2.1" answers no "how many" or "how long".
    assert pick(analyzer, "number", "計画はどれくらいの期間有効?", "2.1 この計画は、承認日から有効である。") is None
    texts = ("3.2 日本と NATO は協力する。", "参加国は18か国である。")
    assert span_of(pick(analyzer, "number", "何か国が参加?", *texts), *texts) == "18か国"
    assert pick(analyzer, "number", "How many allies met the target?", "装備品支出を20%に増額した。") is None
    # Nor is an item's number starting a line: "3)" answers no question.
    assert pick(analyzer, "number", "予算はいくら?", "3) バルトの哨戒") is None
    assert pick(analyzer, "number", "What is the budget of the mission?", "(1) 進行中の作戦") is None
    # Nor a bare number in brackets within a line: items (1)…(4) count no years; a count in brackets still counts.
    items = "旗艦事業:(1)ウクライナ支援、(2)サイバー防衛、(3)偽情報、(4)テクノロジーの計画"
    assert pick(analyzer, "number", "How many years does the plan cover?", items) is None
    assert pick(analyzer, "number", "How many years does the plan cover?", "日NATO関係(2)") is None
    texts = ("加盟国は(32か国)である。",)
    assert span_of(pick(analyzer, "number", "加盟国は何か国?", *texts), *texts) == "32か国"
    # A sum of money asked (a budget) takes an amount in a currency, not a count of things.
    assert pick(analyzer, "number", "What is the budget of the mission?", "テント数百張を供与した。") is None
    # Though an office asked for by its word alone is still an office the answer must name (see `unsaid`).
    assert offices("NSATUの司令官は誰ですか", analyzer.tokens("NSATUの司令官は誰ですか")) == {"司令官"}
    # How long is never the third time.
    assert pick(analyzer, "number", "How long will the plan last?", "前年に引き続き3回目となる会合に出席した。") is None
    # An office's word alone names no one (the prime minister of where?); the country it is of does.
    assert pick(analyzer, "person", "Who attended the summit?", "日本の首相が初めて参加した。").text == "日本"
    # One kanji that MeCab guesses a surname (原 of 原加盟国) is no person.
    assert pick(analyzer, "person", "Who founded it?", "設立年 1949年(原加盟国12か国)") is None


def test_english_questions_get_the_item_in_english_without_guessing(analyzer):
    names = Names(Lexicon(entries={
        "lithuania": (Candidate("リトアニア", ("リトアニア",), "loanword", 1000.0),),
        "vilnius": (Candidate("ビリニュス", ("ビリニュス",), "loanword", 1000.0),),
        "kishida": (Candidate("岸田", ("岸田",), "jmnedict", -200.0),),
        "kishita": (Candidate("岸田", ("岸田",), "jmnedict", -200.0),),
        "prime minister": (Candidate("総理", ("総理",), "jmdict", 2.9),),
    }, skeletons={}))
    held = "会合はリトアニアのビリニュスで開かれた。"
    found = pick(analyzer, "place", "Where was it held?", held, lang="en", names=names)
    assert (found.text, found.en) == ("リトアニアのビリニュス", "Vilnius, Lithuania")
    found = pick(analyzer, "date", "When?", "計画は令和5年に改訂された。", lang="en", names=names)
    assert (found.text, found.en) == ("令和5年", "2023")
    found = pick(analyzer, "number", "How many people?", "来場者は約335万人であった。", lang="en")
    assert found.en == "about 3.35 million people"
    found = pick(analyzer, "person", "Who came?", "岸田総理が出席した。", lang="en", names=names)
    assert found.text == "岸田総理" and found.en is None  # Kishida or Kishita: not a guess to make
    found = pick(analyzer, "date", "いつ?", "新館は2013年4月12日に開館した。")
    assert found.en is None  # Japanese questions get none


@pytest.mark.parametrize("text", ["在ベルギー日本国大使館から独立した。", "NATOノルウェー代表部は職員で構成される。"])
def test_a_title_inside_a_bodys_name_makes_no_person(analyzer, text):
    assert not [f for f in find_all(text, analyzer.tokens(text)) if f.kind == "person"]  # 大使 of 大使館


def test_an_english_who_question_naming_an_office_no_sentence_names_is_unsaid(analyzer):
    from kotae.unsaid import NO_HOLDER, unsaid

    def lacking(*texts):
        sentences = [Sentence(t, f"doc-{n}", 0, len(t)) for n, t in enumerate(texts)]
        question = Question("person", "Who is the commander of NSATU?", {"司令官": 1.0, "nsatu": 1.0}, None, "en")
        tokens = [analyzer.tokens(t) for t in texts]
        return unsaid(question, short_answer(question, sentences, tokens), sentences, tokens, ())

    assert lacking("NSATUはドイツに司令部を置く。") == NO_HOLDER  # its office, among the terms it was translated into
    assert lacking("NSATUのスミス司令官が訪日した。") is None
    assert lacking("NSATUの司令官が新たに着任した。") == NO_HOLDER  # the office, but nobody holding it


def test_a_question_asking_for_the_name_of_an_office_holder_asks_for_a_person(analyzer):
    from kotae.unsaid import NO_HOLDER, unsaid

    assert expected_type("初代専任大使の名前は？") == "person"
    assert expected_type("What is the name of the first ambassador?") == "person"
    assert expected_type("name of japan's first dedicated ambassador to nato") == "person"  # a possessive between
    assert expected_type("What's the name of NATO’s top commander?") == "person"
    assert expected_type("What is the name of Japan's cyber defense unit?") is None
    assert expected_type("大使は何という名前の人ですか？") == "person"
    assert expected_type("艦艇の名前は？") is None  # a thing's name, not a person's
    text = "2025年1月\t代表部における専任大使着任"
    question = Question("person", "代表部の専任大使の名前は？", {"大使": 1.0}, None, "ja")
    tokens = [analyzer.tokens(text)]
    sentences = [Sentence(text, "doc", 0, len(text))]
    found = short_answer(question, sentences, tokens)
    assert found is None and unsaid(question, found, sentences, tokens, analyzer.tokens(question.text)) == NO_HOLDER


def test_a_place_leading_or_hosting_is_the_place_not_part_of_a_name(analyzer):
    texts = ("エストニア(英国主導)", "部隊はドイツに駐留する。")  # 英国主導: led by the United Kingdom
    assert span_of(pick(analyzer, "place", "エストニアの部隊を主導する国は?", *texts), *texts) == "英国"
    texts = ("京都議定書が採択された。", "会議はドイツで開かれた。")  # 京都 is part of a name
    assert span_of(pick(analyzer, "place", "会議はどこで開かれた?", *texts), *texts) == "ドイツ"


def test_a_question_asking_for_a_city_takes_no_country(analyzer):
    text = "日本はその後、リトアニアで開かれた会合にも参加し、ビリニュスを訪れた。"
    assert span_of(pick(analyzer, "place", "Which city hosted the meeting?", text), text) == "ビリニュス"
    assert span_of(pick(analyzer, "place", "会合が開かれたのはどの都市?", text), text) == "ビリニュス"
    texts = ("ベルギーの会合には日本も参加した。", "翌年の会合はビリニュスで開かれた。")
    assert span_of(pick(analyzer, "place", "Which city hosted the meeting?", *texts), *texts) == "ビリニュス"


def test_a_question_asking_for_a_year_gets_the_year_of_a_full_date(analyzer):
    text = "北大西洋条約は1949年4月4日にワシントンで署名された。"
    assert span_of(pick(analyzer, "date", "北大西洋条約は何年に署名された?", text), text) == "1949年"
    found = pick(analyzer, "date", "In what year was the North Atlantic Treaty signed?", text, lang="en")
    assert (span_of(found, text), found.en) == ("1949年", "1949")
    for asked in ("北大西洋条約はいつ署名された?", "北大西洋条約は何年何月に署名された?"):  # the whole date
        assert span_of(pick(analyzer, "date", asked, text), text) == "1949年4月4日"
    text = "任務は2025年度に始まった。"  # a fiscal year is its own answer
    assert span_of(pick(analyzer, "date", "任務は何年度に始まった?", text), text) == "2025年度"


def test_a_question_asking_which_body_gets_a_bodys_name_with_its_acronym(analyzer):
    text = "山田大臣は、新たに設立された海洋安全保障支援・訓練組織(MSTO)への参加を表明した。"
    for asked in ("大臣はどの組織への参加を表明した?", "大臣が参加を表明した組織は?"):
        assert span_of(pick(analyzer, "person", asked, text), text) == "海洋安全保障支援・訓練組織(MSTO)"
    found = pick(analyzer, "person", "Which organisation will the minister join?", text, lang="en",
                 names=Names(Lexicon(entries={}, skeletons={})))
    assert (span_of(found, text), found.en) == ("海洋安全保障支援・訓練組織(MSTO)", "MSTO")
    assert span_of(pick(analyzer, "person", "誰が参加を表明した?", text), text) == "山田大臣"  # who: the person


def test_a_date_of_what_the_question_names_wins_over_a_nearer_verbs_date(analyzer):
    text = ("日本は2020年12月のNATO閣僚級会合への初参加を皮切りに、2022年以降はNATO外相会合にも定期的に"
            "参加している。")  # the verb 参加し is too far from 2020年12月 to be its predicate
    assert span_of(pick(analyzer, "date", "日本が初めて閣僚級会合に参加したのはいつ?", text), text) == "2020年12月"


def test_a_question_asking_for_a_country_takes_a_country_alone(analyzer):
    text = "首脳会合はリトアニアのビリニュスで開かれた。"
    for asked in ("Which country hosted the summit?", "首脳会合はどの国で開かれた?"):
        assert span_of(pick(analyzer, "place", asked, text), text) == "リトアニア"
    assert span_of(pick(analyzer, "place", "首脳会合はどこで開かれた?", text), text) == "リトアニアのビリニュス"
    texts = ("首脳会合はビリニュスで開かれた。", "議長国はリトアニアだった。")
    assert span_of(pick(analyzer, "place", "Which country hosted the summit?", *texts), *texts) == "リトアニア"


def test_a_question_asking_for_the_country_and_the_city_takes_both(analyzer):
    text = "首脳会合はリトアニアのビリニュスで開かれた。"
    for asked in ("首脳会合はどの国のどの都市で開かれた?", "Which country and city hosted the summit?",
                  "Which city and country hosted the summit?"):
        assert span_of(pick(analyzer, "place", asked, text), text) == "リトアニアのビリニュス"


def test_a_list_of_places_answers_a_question_asking_for_several(analyzer):
    names = Names(Lexicon(entries={
        "poland": (Candidate("ポーランド", ("ポーランド",), "jmdict", 2.9),),
        "czech": (Candidate("チェコ", ("チェコ",), "jmdict", 2.9),),
        "hungary": (Candidate("ハンガリー", ("ハンガリー",), "jmdict", 2.9),),
    }, skeletons={}))
    joined = "1999年3月加盟国 : ポーランド、チェコ、ハンガリー"
    found = pick(analyzer, "place", "Which countries joined in 1999?", joined, lang="en", names=names)
    assert (found.text, found.en) == ("ポーランド、チェコ、ハンガリー", "Poland, Czech and Hungary")
    assert pick(analyzer, "place", "1999年に加盟した国は?", joined).text == "ポーランド、チェコ、ハンガリー"
    table = "IP4\t日本 韓国 オーストラリア"  # a table's cells, apart by blanks
    assert pick(analyzer, "place", "IP4の国は?", table).text == "日本 韓国 オーストラリア"
    # An item MeCab does not know as a place stays in the list (仏, France), which is then not put in English.
    founding = "原加盟国 : ポーランド、チェコ、仏、ハンガリー"
    found = pick(analyzer, "place", "Which countries were the founding members?", founding, lang="en", names=names)
    assert (found.text, found.en) == ("ポーランド、チェコ、仏、ハンガリー", None)
    # An English question asking for one country gets one.
    assert pick(analyzer, "place", "Which country joined in 1999?", joined, lang="en", names=names).text == "ポーランド"


@pytest.mark.parametrize(("question", "kind"), [
    ("NATOの本部はどこ?", "place"), ("2024年の首脳会合の開催地は?", "place"), ("どの都市にあるの?", "place"),
    ("兵力を提供している国は?", "place"), ("In which city was it signed?", "place"),
    ("会談した日本の総理は?", "person"), ("どんな人たちで構成されていますか", "person"),
    ("Which government official welcomed it?", "person"), ("Which agency runs it?", "person"),
    ("任期は何年間?", "number"), ("大使館は何年交代で務める?", "number"), ("何年ごとに見直す?", "number"),
    ("有効期間はどれくらい?", "number"), ("How long does it run?", "number"),
    ("何年に設立された?", "date"), ("What does it do?", None), ("なぜ設立されたのか", None),
    ("一度引き受けると何年担当するの?", "number"), ("完成まで何年かかった?", "number"),  # 何年 before a verb
    ("何年何月に加盟した?", "date"), ("何年度の予算?", "date"), ("何年頃に始まった?", "date"),
    ("パンダは何頭いる?", "number"), ("フェリーは1日何便?", "number"), ("何の会議ですか", None),
    ("What is the combined military expenditure of NATO?", "number"), ("予算の総額は?", "number"),
    ("What was the total cost of the renovation?", "number"),
    ("What is the budget process?", None), ("改修の費用って?", "number"),
    ("What percentage of members met it?", "number"), ("What shared values do they have?", None),
    ("Who is Mark Rutte?", None), ("Who is NATO's Secretary General?", "person"),  # what a named person is
    ("On what exact date was the treaty signed?", "date"), ("Which days are holidays?", "date"),
    ("What daylight saving rules apply?", None),
    ("In which sea did they train?", "place"), ("Which ally leads it?", "place"),
    ("What was Operation Ocean Shield?", None), ("Which paper, in which allies pledged it, came first?", None),
    # A leading "when" clause sets the time of what is asked; with an auxiliary after it, it asks when.
    ("When he came to Japan, which navy base did he visit?", "place"),
    ("When the earthquake hit, what did Japan send?", None), ("When was it signed, and where?", "date"),
    ("When did the library open?", "date"), ("視察した基地は?", "place"),
    # English asks first: a "when" or "how many" after the words of asking only qualifies them.
    ("Which city was the mayor visiting when the storm hit?", "place"),
    ("Who led the council when the bridge opened?", "person"),
    ("When was it founded, and how many members did it have?", "date"),
    ("How many visitors came when the museum reopened?", "number"),
    # Between "what" and the noun, a verb: what the thing does, not which one it is.
    ("What does that agency actually do?", None), ("What is the city known for?", None),
    ("What new agency runs it?", "person"), ("Which two cities signed it?", "place"),
    ("会談は何分間行われた?", "number"), ("何日間の日程?", "number"),  # lengths of time: counted
    # A "when" after other words of asking sets a time, unless what they ask is one.
    ("What did they send when the earthquake hit?", None), ("How did Japan respond when it began?", None),
    ("What was the date when the treaty was signed?", "date"), ("Which year was it when they met?", "date"),
    ("基金に何億円拠出した?", "number"), ("何十か国が参加した?", "number"), ("何万人が訪れた?", "number"),
])
def test_which_questions_ask_for_an_item(question, kind):
    assert expected_type(question) == kind


# Through the answerer, on the tiny corpus.

@pytest.fixture(scope="module")
def answerer(retriever):
    return Answerer(retriever, THRESHOLDS)


@pytest.mark.parametrize(("question", "kind", "text", "en"), [
    ("図書館の館長は誰ですか", "person", "山田花子", None),
    ("静岡茶まつりの来場者は何人でしたか", "number", "約8万人", None),
    ("蒸気機関車の運転が再開されたのはいつ", "date", "1976年", None),
    ("松本市と姉妹都市になった町はどこ", "place", "オーストリアのザルツブルク市", None),
    ("When did the library open?", "date", "2021年4月1日", "1 April 2021"),
    ("How many volunteers help at the library?", "number", "50人", "50 people"),
    ("Which city is Matsumoto's sister city?", "place", "オーストリアのザルツブルク市", "Salzburg, Austria"),
])
def test_answers_lead_with_a_short_answer_inside_a_cited_sentence(answerer, lexical_index, question, kind, text, en):
    answer = answerer.ask(question)
    short = answer.short_answer
    assert not answer.abstained and short is not None
    assert (short.text, short.kind, short.en) == (text, kind, en)
    assert lexical_index.documents[short.doc_id].text[short.start:short.end] == short.text
    assert any(s.doc_id == short.doc_id and s.start <= short.start and short.end <= s.end for s in answer.sentences)
    lead = f"{en} ({text})" if en else text
    assert answer.text == f"{lead} — {answer.quoted}"
    assert answer.to_dict()["short_answer"] == {"text": text, "en": en, "kind": kind, "doc_id": short.doc_id,
                                                "start": short.start, "end": short.end}


def test_other_questions_and_abstentions_have_none(answerer):
    why = answerer.ask("静岡茶まつりの目的は何ですか")
    assert not why.abstained and why.short_answer is None and why.text == why.quoted
    assert why.to_dict()["short_answer"] is None
    unanswerable = answerer.ask("富士山の標高は何メートル?")
    assert unanswerable.abstained and unanswerable.to_dict()["short_answer"] is None
    refused = with_reply(answerer.ask("図書館の館長は誰ですか"), None)  # a language model that refused
    assert refused.abstained and refused.short_answer is None


def test_the_answer_contract_has_the_short_answer_beside_the_answer(answerer):
    data = answerer.ask("When was the timetable revised?").to_dict()
    assert list(data)[:7] == ["id", "question", "lang", "mode", "abstained", "retrieval_query", "short_answer"]
    assert set(data["short_answer"]) == SHORT_KEYS and data["short_answer"]["en"] in ("2022", "March 2022")


# The shipped corpus and gold set.

@pytest.fixture(scope="module")
def gold_asked(shipped_index, shipped_settings):
    from support import GOLD

    from kotae.evaluation.gold import load_gold
    from kotae.evaluation.metrics import abstain_below
    from kotae.evaluation.run import run_answers
    from kotae.facade import Kotae

    kotae = Kotae(shipped_index, shipped_settings, thresholds=Thresholds.never())
    gold = load_gold(GOLD)
    answers = [kotae.ask(item.question, history=item.history, mode="lexical") for item in gold]
    scores = abstain_below(run_answers(kotae, gold, mode="lexical")[1], Thresholds.load())
    return answers, scores


def test_every_short_answer_of_the_gold_set_quotes_its_document(gold_asked, shipped_index):
    answers, _ = gold_asked
    shorts = [a.short_answer for a in answers if a.short_answer]
    assert len(shorts) > 60
    for short in shorts:
        assert shipped_index.documents[short.doc_id].text[short.start:short.end] == short.text


def test_gold_questions_asking_for_an_item_get_one(gold_asked):
    from kotae.evaluation.short import short_answer_metrics

    metrics = short_answer_metrics(gold_asked[1])
    assert metrics["typed"] >= 60
    assert metrics["coverage"] >= 0.90, metrics
    assert metrics["agreement"] >= 0.80, metrics


def test_which_edition_or_round_asks_for_an_ordinal(analyzer):
    text = "1999年に改訂され(第6版)、12の原則を掲げた。"
    found = pick(analyzer, "number", "Which edition was adopted in 1999?", text, lang="en")
    assert (span_of(found, text), found.en) == ("第6版", "the 6th edition")
    assert span_of(pick(analyzer, "number", "1999年のものは第何版?", text), text) == "第6版"
    assert expected_type("Which edition was adopted in 1999?") == "number"


def test_numbers_of_a_date_or_a_name_in_the_question_are_no_count_it_names(analyzer):
    from kotae.expressions import values

    assert values("IP4セッションとG7とF-35は2003-2014年に") == {2003.0, 2014.0}
    text = "前年に引き続き4回目となるIP4セッションに出席した。"
    asked = "2025年4月のIP4セッションは通算何回目の出席?"  # its 4 (April, IP4) is not the count 4回目
    assert span_of(pick(analyzer, "number", asked, text), text) == "4回目"
    assert pick(analyzer, "number", "4回目の出席は何回目?", text) is None  # the count it names itself


def test_how_many_and_how_long_take_only_what_they_ask_for(analyzer):
    from kotae.short_answer import Question, short_answer

    def ask(question: str, kind: str, *texts: str):
        sentences = [SimpleNamespace(text=t, doc_id="d", start=0, end=len(t)) for t in texts]
        found = short_answer(Question(kind, question), sentences, [analyzer.tokens(t) for t in texts])
        return found.text if found else None

    concepts = "これまでに8つの「戦略概念」を策定。"
    assert ask("How many strategic concepts has NATO adopted?", "number", concepts) == "8つ"
    assert ask("How many paragraphs does the Strategic Concept have?", "number", concepts) is None  # つ: any thing
    third = "前年に引き続き3回目となる会合に出席した。"
    assert ask("How many countries take part in the partnership?", "number", third) is None
    assert ask("協力分野はいくつありますか?", "number", third) is None
    assert ask("何回目の出席でしたか?", "number", third) == "3回目"  # asked for by its place in a series
    tents = "日本は数百張のテントを空輸し、総額50億米ドルの支援を表明した。"
    assert ask("How much money has Japan given?", "number", tents) == "総額50億米ドル"  # a sum of money only
    assert ask("How much money has Japan given?", "number", tents.split("、")[0]) is None
    assert ask("日本の拠出額はいくら?", "number", tents.split("、")[0]) is None
    assert ask("How many tents did Japan fly in?", "number", tents.split("、")[0]) == "数百張"
    term = ("CPEの任期は2年(最長更新4年)。", "1990年代初頭から対話を続けている。")
    assert ask("CPEの任期って何年?", "date", *term) == "2年"
    assert ask("対話はいつ始まりましたか?", "date", *term) == "1990年代初頭"


def test_a_short_answer_says_whether_it_is_what_the_question_describes(analyzer):
    from kotae.short_answer import Question, short_answer

    text = "2014年5月6日にブリュッセルにおいて署名され、2018年に改訂された。"
    sentence = SimpleNamespace(text=text, doc_id="d", start=0, end=len(text))

    def ask(question: str, weights: dict[str, float]):
        return short_answer(Question("date", question, weights), [sentence], [analyzer.tokens(text)])

    signed = ask("いつ署名されましたか", {"署名": 2.0})
    assert signed.text == "2014年5月6日" and signed.described  # the date of the verb it names
    revised = ask("いつ改訂されましたか", {"改訂": 2.0})
    assert revised.text == "2018年" and revised.described
    plain = ask("いつのことですか", {})
    assert plain is not None and not plain.described  # a date, but nothing the question names


def test_an_edition_year_is_no_date_and_a_document_date_answers_last(analyzer):
    from kotae.answer import AnswerSentence
    from kotae.expressions import date_alone, names_other_year
    from kotae.short_answer import Question, answer_order, short_answer

    cited = ["令和7年5月", "軍事費総額 約1兆840億ユーロ(出典:2023年版年次報告)", "設立年\t1949年(原加盟国12か国)"]
    sentences = [AnswerSentence(text=t, citation=1, doc_id="d", start=0, end=len(t)) for t in cited]
    cells = [tuple(analyzer.tokens(t.replace("\t", "\n"))) for t in cited]
    when = Question("date", "When was it founded?")
    assert short_answer(when, sentences[1:2], cells[1:2]) is None  # 2023年版: an edition, not a date
    assert short_answer(when, sentences, cells).text == "令和7年5月"  # the first cited sentence with a date
    assert short_answer(when, *answer_order(sentences, cells)).text == "1949年"  # the document's date only last
    assert short_answer(when, *answer_order(sentences[:2], cells[:2])).text == "令和7年5月"  # or where nothing else
    assert date_alone("令和7年5月") and date_alone(" 2025年1月 ") and not date_alone("2025年1月に開設")
    assert names_other_year("2024年の達成国は22か国", {"2023"}) and not names_other_year("２０２３年時点", {"2023"})
    assert not names_other_year("達成国は増えた", {"2023"})


@pytest.mark.parametrize(("kind", "question", "lang", "text", "expected"), [
    ("date", "任期は最長で何年?", "ja", "大使館の任期は2年(最長更新4年)。", "4年"),  # the number marked 最長
    ("number", "What's the longest an embassy can hold the post?", "en", "大使館の任期は2年(最長更新4年)。", "4年"),
    ("date", "任期は何年?", "ja", "大使館の任期は2年(最長更新4年)。", "2年"),  # the usual one
    ("number", "How long is the term?", "en", "大使館の任期は2年(最長更新4年)。", "2年"),
    ("number", "What's the shortest a term can be?", "en", "任期は通常2年だが、最短1年もある。", "最短1年"),
    ("date", "任期は何年?", "ja", "任期は通常2年だが、最短1年もある。", "2年"),
])
def test_a_question_asking_for_the_most_or_least_takes_the_number_marked_so(analyzer, kind, question, lang, text,
                                                                            expected):
    assert span_of(pick(analyzer, kind, question, text, lang=lang), text) == expected


def test_the_longest_asks_for_a_length_of_time_in_english():
    from kotae.answer_type import expected_type

    assert expected_type("What's the longest an embassy can serve as contact point?") == "number"
    assert expected_type("What's the longest river in the documents?") is None  # a thing, not how long


def test_what_a_how_many_question_counts_is_the_counter_its_noun_ends_or_starts_with():
    from kotae.counted import counted_nouns

    assert counted_nouns("協力分野はいくつ?") == {"fields"}
    assert counted_nouns("いくつの分野がありますか") == {"fields"}
    assert counted_nouns("いくつの協力分野が盛り込まれましたか") == {"fields"}
    assert counted_nouns("いくつの計画がありますか") == set()


@pytest.mark.parametrize(("question", "texts", "expected"), [
    ("議長の任期はいつまで?", ("議長\t山田一郎 2024年10月から現職",), None),  # when it began: no end
    ("議長の任期はいつまで?", ("議長は2024年10月に就任し、任期は2028年9月までとなっている。",), "2028年9月"),
    ("Until when does the chair serve?", ("議長は2024年10月から務め、任期は2028年9月までとなっている。",), "2028年9月"),
    ("議長はいつから務めている?", ("議長\t山田一郎 2024年10月から現職",), "2024年10月"),
    ("作戦はいつからいつまで?", ("作戦は2009年8月から2016年12月まで続いた。",), "2009年8月"),  # asked both
])
def test_a_question_asking_until_when_is_not_answered_by_when_something_began(analyzer, question, texts, expected):
    found = pick(analyzer, "date", question, *texts, lang="en" if question.isascii() else "ja")
    assert (span_of(found, *texts) if found else None) == expected


def test_a_when_question_whose_sentences_give_no_date_is_unsaid(analyzer):
    from kotae.unsaid import NO_DATE, unsaid

    def lacking(asked, *texts):
        sentences = [Sentence(t, f"doc-{n}", 0, len(t)) for n, t in enumerate(texts)]
        question = Question("date", asked, {t.term: 1.0 for t in analyzer.tokens(asked)}, None, "ja")
        tokens = [analyzer.tokens(t) for t in texts]
        return unsaid(question, short_answer(question, sentences, tokens), sentences, tokens, ())

    assert lacking("新館はいつ開館した?", "新館は市の中心部にある。") == NO_DATE
    assert lacking("新館はいつ開館した?", "新館は2013年4月12日に開館した。") is None
    assert lacking("館長の任期はいつまで?", "館長\t山田一郎 2024年10月から現職") == NO_DATE
    # a birth: only a date said to be one (生まれ, 年生) answers, not the date of anything else about the person
    assert lacking("館長は何年生まれですか?", "館長\t山田一郎 2024年10月から現職") == NO_DATE
    assert lacking("館長の生年月日は?", "館長\t山田一郎 2024年10月から現職") == NO_DATE
    assert lacking("館長は何年生まれですか?", "館長の山田一郎は1967年生まれ。") is None
    assert lacking("館長は何年生まれですか?", "館長\t山田一郎(1967年生)") is None
    assert lacking("図書館はいつ誕生した?", "図書館は1921年に開館した。") is None  # a body's 誕生 is its founding


def test_years_from_and_to_are_no_count(analyzer):
    texts = ("アフガニスタンでは国際治安支援部隊(ISAF)(2003-2014)を実施した。",)
    assert pick(analyzer, "number", "部隊は何人派遣された?", *texts) is None
    texts = ("部隊(2003-2014)には5000人が派遣された。",)
    assert span_of(pick(analyzer, "number", "部隊は何人派遣された?", *texts), *texts) == "5000人"


@pytest.mark.parametrize(("question", "text", "expected"), [
    ("On what exact day in April 2013 was it signed?", "両者は2013年4月に宣言に署名した。", None),  # only what it says
    ("On what exact day in April 2013 was it signed?", "両者は2013年4月13日に宣言に署名した。", "2013年4月13日"),
    ("When in May 2013 was it signed?", "両者は2013年5月に宣言に署名した。", None),
    ("When was it signed? It may have been 2013.", "両者は2013年5月に宣言に署名した。", "2013年5月"),  # may, no month
])
def test_a_date_the_english_question_names_whole_is_no_answer(analyzer, question, text, expected):
    found = pick(analyzer, "date", question, text, lang="en")
    assert (span_of(found, text) if found else None) == expected


def test_a_date_is_answered_from_the_sentence_that_repeats_the_month_the_question_names(analyzer):
    texts = ("両者は2013年4月に宣言に署名した。", "2014年からは計画を通じて連携した。")
    assert pick(analyzer, "date", "2013年4月の何日に宣言に署名した?", *texts) is None  # not 2014年
    assert pick(analyzer, "date", "On what exact day in April 2013 was it signed?", *texts, lang="en") is None
    texts = ("両者は2013年4月に宣言に署名した。", "2014年からは計画を通じて連携した。", "署名は2013年4月13日だった。")
    assert span_of(pick(analyzer, "date", "2013年4月の何日に署名した?", *texts), *texts) == "2013年4月13日"
    texts = ("両者は2023年に協力した。", "会合は2023年7月に開かれた。")  # a year alone is no month repeated
    assert span_of(pick(analyzer, "date", "2023年の会合はいつ開かれた?", *texts), *texts) == "2023年7月"


SAID = ("NATOのストルテンベルグ事務総長は12日、岸田総理大臣との会談に先立って「日本ほどNATOに近いパートナーは"
        "おらず、日本を重視している」と述べました。")


def test_who_said_something_is_the_sentences_subject_not_a_name_inside_or_near_the_quote(analyzer):
    assert span_of(pick(analyzer, "person", "日本ほど近いパートナーはいないと述べたのは誰?", SAID), SAID) == \
        "ストルテンベルグ事務総長"


def test_a_leader_asked_for_in_english_asks_for_no_particular_office(analyzer):
    # "Which NATO leader …": 総理 is one of the Japanese words for "leader", not an office the question names.
    text = "岸田総理大臣と会談したのは、NATOのストルテンベルグ事務総長だった。"
    weights = {"nato": 1.0, "総理": 0.5, "首脳": 1.0, "会談": 1.0}
    asked = {"総理": "leader", "首脳": "leader", "会談": "talks"}
    question = Question("person", "Which NATO leader held talks with Kishida?", weights, asked, "en")
    found = short_answer(question, [Sentence(text, "doc-0", 100, 100 + len(text))], [analyzer.tokens(text)])
    assert span_of(found, text) == "ストルテンベルグ事務総長"
