"""Japanese written in kana where the documents write kanji: spelled in the documents' words before it is searched."""

from __future__ import annotations

import pytest
from support import lexical_kotae

from kotae.errors import HistoryError
from kotae.kana import KanaSpeller

# The words of an imagined index; 一定, 意思, 同志 and 入る are there to tempt a wrong split.
TERMS = ("共同", "政治", "宣言", "署名", "事務", "総長", "防衛", "省", "司令", "部", "国", "日本", "入る", "いう",
         "一定", "意思", "同志", "会談", "協力", "文書", "本部", "加盟", "支援", "ウクライナ", "スウェーデン",
         "フィンランド", "[date]協議")


@pytest.fixture(scope="module")
def speller(analyzer):
    return KanaSpeller(analyzer, TERMS, lambda term: 0.1)


@pytest.mark.parametrize(("question", "spelled"), [
    ("にほんとNATOは いつ きょうどうせいじせんげんに しょめいしましたか。",
     "日本とNATOは いつ 共同政治宣言に 署名しましたか。"),
    ("ぼうえいしょうで ルッテじむそうちょうと かいだんしたのは だれですか",
     "防衛省で ルッテ事務総長と 会談したのは だれですか"),
    ("NSATUの しれいぶは どこに ありますか？", "NSATUの 司令部は どこに ありますか？"),  # 部 only after 司令
    ("あたらしい きょうりょくぶんしょには なにが ありますか", "あたらしい 協力文書には なにが ありますか"),
    ("なんねんなんがつに はじまりましたか", "何年何月に はじまりましたか"),
    # ぼう and え read only as drawn-out ぼー and えー; ええと is a filler as written
    ("サイバーぼうえいきょうりょくセンターは", "サイバー防衛協力センターは"),
    ("ええと、NATOのほんぶは？", "ええと、NATOの本部は？"),
    ("いつ かめいしましたか", "いつ 加盟しましたか"),  # MeCab's 瞑する (めいし) is 加盟 and the し of する
    ("うくらいなへの しえんは？", "ウクライナへの 支援は？"),  # a loanword in hiragana
    ("すうぇーでんは いつ かめいしましたか", "スウェーデンは いつ 加盟しましたか"),  # MeCab: すう, ぇ, ー, でん
    ("ふぃんらんどは いつ", "フィンランドは いつ"),  # MeCab's ふ (二) inside it
])
def test_kana_the_documents_write_in_kanji_is_spelled_so(speller, question, spelled):
    assert speller.spelled(question) == spelled


@pytest.mark.parametrize("question", [
    "いま NATOに はいっている", "風邪をひいたとき、早く治すにはどうしたらいいですか？", "おいしい カレーの つくりかた",
    "日本とNATOはいつ共同政治宣言に署名しましたか", "「日本ほどNATOに近いパートナーはいない」と言ったのは誰?",
    "When did Japan and NATO sign the joint declaration?",
])
def test_kana_read_well_or_not_spelled_well_enough_stays(speller, question):
    # 入る, いう and the particles are read right (no 一定, 同志 or 意思 cut out of them); かいだん-like runs with no
    # stray word, kanji and English pass through
    assert speller.spelled(question) == question


def test_a_reading_shared_by_two_words_takes_the_more_used(analyzer):
    share = {"共同": 0.3, "協同": 0.01}.get
    assert KanaSpeller(analyzer, ("共同", "協同", "宣言"), lambda t: share(t, 0.0)).spelled(
        "きょうどうせんげんは") == "共同宣言は"


DOCUMENTS = {
    "a.md": "---\ntitle: \"会談\"\n---\n# 会談\n\n防衛大臣は防衛省で事務総長と会談し、共同政治宣言に署名した。\n",
    "b.md": "---\ntitle: \"司令部\"\n---\n# 司令部\n\n支援組織の司令部はドイツに置かれている。\n",
}


def test_a_question_in_kana_finds_what_its_kanji_finds_and_is_shown_as_asked(tmp_path):
    kotae = lexical_kotae(tmp_path, DOCUMENTS)
    asked = "じむそうちょうと きょうどうせいじせんげんに しょめいしたのは だれですか"
    in_kanji = kotae.search("事務総長と共同政治宣言に署名したのはだれですか")
    found = kotae.search(asked)
    assert found.passages and found.passages[0].doc_id == in_kanji.passages[0].doc_id == "a"
    assert {"事務", "総長", "共同", "政治", "宣言", "署名"} <= set(found.to_dict()["query_terms"])
    answer = kotae.ask(asked)
    assert answer.question == asked
    assert not answer.abstained and "署名" in answer.text


def test_the_earlier_questions_are_spelled_and_anything_else_left_for_the_history_check(tmp_path):
    kotae = lexical_kotae(tmp_path, DOCUMENTS)
    asked = "きょうどうせいじせんげんに しょめいしたのは だれ?"
    odd = {"role": "user", "content": "じむそうちょう", "extra": 1}
    _, history = kotae.retriever.spelled("それは いつ?", [
        {"role": "user", "content": asked}, {"role": "assistant", "content": "じむそうちょう"}, odd,
        {"question": asked, "answer": None}, "not a turn"])
    assert history[0]["content"] == history[3]["question"] == "共同政治宣言に 署名したのは だれ?"
    assert history[1]["content"] == "じむそうちょう"  # an answer is the documents' words already
    assert history[2]["extra"] == 1 and history[4] == "not a turn"
    assert kotae.retriever.spelled("じむそうちょうは?", "a string")[1] == "a string"
    with pytest.raises(HistoryError, match="History item 0"):
        kotae.ask("それは いつ?", history=[odd])
