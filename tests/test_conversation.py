"""A conversation as question/answer turns or as chat messages, in the library, the CLI and the API; any other
shape is refused in one line, never ignored."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from fakes import make_app
from fastapi.testclient import TestClient
from support import lexical_kotae

from kotae.cli import main
from kotae.conversation import Turn, last_named, read_history, retrieval_question
from kotae.errors import HistoryError
from kotae.facade import Kotae
from kotae.thresholds import Thresholds

FIRST = "静岡茶まつりが初めて開催されたのはいつ?"
FOLLOW = "それはどこで開かれましたか?"
MESSAGES = [{"role": "user", "content": FIRST}, {"role": "assistant", "content": "1998年5月 [1]"}]
TURNS = [{"question": FIRST, "answer": "1998年5月 [1]"}]


def test_chat_messages_are_turns():
    assert read_history(MESSAGES) == read_history(TURNS) == (Turn(FIRST, "1998年5月 [1]"),)
    two_users = [{"role": "user", "content": "a"}, {"role": "user", "content": "b"},
                 {"role": "assistant", "content": "B"}]
    assert read_history(two_users) == (Turn("a"), Turn("b", "B"))
    greeting = [{"role": "assistant", "content": "hello"}, *MESSAGES]
    assert read_history(greeting) == (Turn("", "hello"), Turn(FIRST, "1998年5月 [1]"))
    assert read_history([*TURNS, {"role": "user", "content": "b"}]) == (Turn(FIRST, "1998年5月 [1]"), Turn("b"))
    assert read_history([]) == read_history(None) == ()


@pytest.mark.parametrize(("history", "says"), [
    ([{"role": "system", "content": "be brief"}], "item 0 is not a chat message"),
    ([{"role": "user", "content": 3}], "item 0 is not a chat message"),
    ([*MESSAGES, {"role": "user", "content": "a", "name": "x"}], "item 2 is not a chat message"),
    ([{"query": "x"}], "item 0 is not a turn"),
    ([{"question": "x", "answer": 5}], "item 0 is not a turn"),
    (["x"], "item 0 is not an object"),
    ({"question": "x"}, "must be a list"),
    ("earlier", "must be a list"),
])
def test_other_shapes_are_refused_saying_where(history, says):
    with pytest.raises(HistoryError, match=says):
        read_history(history)


def test_a_follow_up_with_chat_messages_is_searched_as_with_turns(lexical_index, lexical_settings):
    k = Kotae(lexical_index, lexical_settings)
    with_messages = k.ask(FOLLOW, history=MESSAGES)
    assert with_messages.retrieval_query.startswith(FIRST)
    assert with_messages.to_dict() == k.ask(FOLLOW, history=TURNS).to_dict()
    with pytest.raises(HistoryError):
        k.search(FOLLOW, history=[{"role": "robot", "content": "x"}])


def test_the_api_takes_chat_messages_and_refuses_other_shapes(lexical_settings, lexical_index):
    with TestClient(make_app(lexical_settings, lexical_index)) as client:
        body = client.post("/v1/ask", json={"question": FOLLOW, "history": MESSAGES}).json()
        assert body["retrieval_query"].startswith(FIRST) and body["question"] == FOLLOW
        for history, field in (([{"role": "robot", "content": "x"}], "history.0.role"),
                               ([{"role": "user"}], "history.0.content"),
                               ([{"role": "user", "content": "a\x00"}], "history.0.content"),
                               ([{"role": "user", "content": "a"}] * 21, "history"),
                               ([{"question": "a"}] * 21, "history")):
            response = client.post("/v1/ask", json={"question": FOLLOW, "history": history})
            assert response.status_code == 422, history
            assert any(e["field"] == field for e in response.json()["errors"]), response.json()
        stream = client.post("/v1/ask/stream", json={"question": FOLLOW, "history": MESSAGES})
        assert stream.status_code == 200 and FIRST in stream.text


def test_the_cli_reads_messages_from_history_files_and_batch_lines(capsys, lexical_settings, tmp_path):
    where = ["--corpus", str(lexical_settings.index.corpus_dir), "--index", str(lexical_settings.index.index_dir)]
    history = tmp_path / "history.json"
    history.write_text(json.dumps(MESSAGES, ensure_ascii=False), encoding="utf-8")
    assert main(["ask", FOLLOW, "--history", str(history), "--json", *where]) == 0
    assert json.loads(capsys.readouterr().out)["retrieval_query"].startswith(FIRST)
    history.write_text(json.dumps([{"role": "bot", "content": "x"}]), encoding="utf-8")
    assert main(["ask", FOLLOW, "--history", str(history), *where]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "history.json" in err and "item 0" in err

    batch = tmp_path / "questions.jsonl"
    batch.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in (
        {"id": "a", "question": FOLLOW, "history": MESSAGES}, {"id": "b", "question": FOLLOW})), encoding="utf-8")
    assert main(["search", "--batch", str(batch), *where]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[0]["question"].startswith(FIRST) and rows[1]["question"] == FOLLOW
    batch.write_text(json.dumps({"question": FOLLOW, "history": [{"role": "bot", "content": "x"}]}),
                     encoding="utf-8")
    assert main(["search", "--batch", str(batch), *where]) == 1
    assert "questions.jsonl:1" in capsys.readouterr().err


def test_a_follow_ups_own_words_outweigh_the_question_it_follows(tmp_path):
    # The earlier question names the subject; the follow-up says what is asked. Searched as one text, the passage
    # that repeats the subject's words would win; the follow-up's own words, counted twice, find the one that
    # answers.
    k = lexical_kotae(tmp_path, {
        "history.md": "# 茶まつりの歴史\n\n茶まつりの歴史は古い。茶まつりの歴史を調べると、茶まつりは茶農家の祭りとして"
                      "始まり、茶まつりの歴史は町の歴史でもある。\n",
        "visitors.md": "# 2023年の記録\n\n2023年の会場には来場者が約8万人あった。出店は120軒であった。\n",
        "other.md": "# 図書館\n\n図書館の館長は山田花子である。\n"})
    history = [{"question": "茶まつりの歴史を教えて", "answer": "茶農家の祭りとして始まった。"}]
    result = k.search("その来場者は何人?", history=history, mode="lexical")
    assert result.question.startswith("茶まつりの歴史を教えて")  # searched with the question it follows
    assert result.passages[0].doc_id == "visitors"


def test_a_follow_up_is_searched_with_the_answer_it_follows_which_may_name_its_subject(tmp_path, analyzer):
    # "When did he take office?" after "Who is the mayor?": only the answer says who "he" is.
    k = lexical_kotae(tmp_path, {"mayor.md": "# 市長\n\n現在の市長は山田太郎である。\n",
                                 "yamada.md": "# 経歴\n\n山田太郎は2019年4月に就任した。\n",
                                 "deputy.md": "# 人事\n\n副市長は2020年に就任した。\n"})
    history = [{"question": "市長は誰ですか", "answer": "山田太郎\n現在の市長は山田太郎である。 [1]"}]
    result = k.search("彼はいつ就任したの?", history=history, mode="lexical")
    assert result.question == "市長は誰ですか 山田太郎 彼はいつ就任したの?"  # the answer's first line only
    assert result.passages[0].doc_id == "yamada"
    without = [{"question": "市長は誰ですか", "answer": "現在の市長は山田太郎である。 [1]"}]  # a quote names nothing
    assert k.search("彼はいつ就任したの?", history=without, mode="lexical").passages[0].doc_id == "deputy"
    asked_only = [{"role": "user", "content": "市長は誰ですか"}]  # no answer yet: the question it follows alone
    assert retrieval_question("彼はいつ就任したの?", asked_only, analyzer) == "市長は誰ですか 彼はいつ就任したの?"
    long = [{"question": "市長は誰ですか", "answer": "山" * 500}]
    assert len(retrieval_question("彼はいつ就任したの?", long, analyzer)) < 160  # a long answer is cut


def test_a_long_answer_that_names_something_and_then_says_what_it_is_gives_the_name(analyzer):
    """"NSATU, NATO's Security Assistance and Training for Ukraine organization": the name before the apposition;
    a sentence gives nothing, however it is punctuated."""
    named = [{"question": "Which new NATO body may Japan join?",
              "answer": "NSATU, NATO's Security Assistance and Training for Ukraine organization"}]
    assert retrieval_question("Where's its headquarters?", named, analyzer) == (
        "Which new NATO body may Japan join? NSATU Where's its headquarters?")
    said = [{"question": "What did he say?", "answer": "He said that the alliance would, in the years to come, grow "
                                                       "its partnerships with many more countries in Asia."}]
    assert retrieval_question("Why?", said, analyzer) == "What did he say? Why?"


@pytest.mark.parametrize("question", ["Who was the prime minister then?", "Who led the alliance at the time?",
                                      "And back then, who was in charge?"])
def test_a_follow_up_asking_about_the_time_the_conversation_named_leans_on_it(analyzer, question):
    """"Then" ending a question, "at the time" and "back then" are the conversation's time, as 当時 is."""
    first = [{"question": "When did a Japanese prime minister first attend a NATO summit?", "answer": "2022年6月"}]
    assert retrieval_question(question, first, analyzer) == f"{first[0]['question']} 2022年6月 {question}"
    own = "If Japan joins NSATU, then what does Japan contribute to Ukraine's training?"  # a "then" of its own
    assert retrieval_question(own, first, analyzer) == own


def test_a_short_reply_ending_in_a_full_stop_names_what_it_says(analyzer):
    """A person's or another system's reply ends with a full stop (Jens Stoltenberg.), a quoted sentence with 。: the
    reply still names what "he" or "it" is, and a long one its name before the apposition; a list of names is kept
    whole or not at all, never cut to its first name."""
    def searched(answer: str) -> str:
        return retrieval_question("Where did he go?", [{"question": "Who came?", "answer": answer}], analyzer)

    assert searched("Jens Stoltenberg.") == "Who came? Jens Stoltenberg Where did he go?"
    assert searched("The NATO Security Assistance and Training for Ukraine (NSATU), a new NATO command.") == (
        "Who came? The NATO Security Assistance and Training for Ukraine Where did he go?")
    assert searched("Estonia, Latvia, Lithuania, Slovakia, Slovenia, Bulgaria, Romania and Sweden.") == (
        "Who came? Where did he go?")
    assert searched("Estonia, Latvia and Lithuania.") == "Who came? Estonia, Latvia and Lithuania Where did he go?"
    assert searched("現在の市長は山田太郎である。") == "Who came? Where did he go?"


def test_a_follow_ups_short_answer_is_read_where_its_own_words_stand(tmp_path):
    # The earlier question's words (首相, 参加) stand by オーストラリア; the follow-up asks where it was held (開催).
    k = lexical_kotae(tmp_path, {
        "summit.md": "# 首脳会合\n\n2022年6月、スペインのマドリードで開催された首脳会合に、日本の首相がオーストラリアの"
                     "首相と共に初めて参加した。\n",
        "other.md": "# 図書館\n\n図書館は2021年に開館した。\n"}, Thresholds.never())
    history = [{"question": "日本の首相が首脳会合に初めて参加したのはいつ?", "answer": "2022年6月"}]
    answer = k.ask("その時の開催地はどこ?", history=history)
    assert answer.short_answer is not None and answer.short_answer.text == "スペインのマドリード"


def test_a_follow_ups_item_stands_in_a_cited_sentence_holding_its_own_words(tmp_path):
    """The sentence that answered the question before (参加, 検討, ロシア) may come first; a follow-up asking where
    its headquarters is takes its place from the cited sentence that names a headquarters (司令部)."""
    from kotae.answered import AnswerSentence
    from kotae.asked import own_terms, short_question
    from kotae.short_answer import short_answer

    k = lexical_kotae(tmp_path, {
        "unit.md": "# 新組織\n\n防衛省は、ロシアの侵攻を受けて新組織への参加を検討している。\n\n"
                   "新組織はドイツのヴィースバーデンに司令部を置く。\n",
        "other.md": "# 図書館\n\n図書館は2021年に開館した。\n"}, Thresholds.never())
    searched = "防衛省が参加を検討している組織は? その司令部はどこ?"
    question = short_question(k.retriever.index.lexical.idf, "その司令部はどこ?", k.retriever.query(searched),
                              own_terms(k.retriever, "その司令部はどこ?", searched))
    texts = ["防衛省は、ロシアの侵攻を受けて新組織への参加を検討している。",
             "新組織はドイツのヴィースバーデンに司令部を置く。"]
    sentences = [AnswerSentence(text, 1, "unit", 0, len(text)) for text in texts]
    found = short_answer(question, sentences, [k.retriever.analyzer.tokens(t) for t in texts])
    assert found is not None and "ヴィースバーデン" in found.text
    alone = short_answer(question, sentences[:1], [k.retriever.analyzer.tokens(texts[0])])
    # No cited sentence holds 司令部: the item chosen as though the follow-up had no words of its own.
    anyway = short_answer(replace(question, own=frozenset()), sentences[:1], [k.retriever.analyzer.tokens(texts[0])])
    assert alone is not None and anyway is not None and alone.text == anyway.text


def test_an_english_follow_up_stays_english_though_the_answer_it_follows_quotes_japanese(tmp_path):
    k = lexical_kotae(tmp_path, {"mayor.md": "# 市長\n\n市長は2019年4月に就任した。\n"}, Thresholds.never())
    history = [{"role": "user", "content": "Who is the mayor?"},
               {"role": "assistant", "content": "Taro Yamada (山田太郎)"}]
    answer = k.ask("When did he take office?", history=history)
    assert "山田太郎" in answer.retrieval_query and answer.lang == "en"  # searched with it, answered in English
    assert answer.short_answer is not None and answer.short_answer.en == "April 2019"
    assert k.search("When did he take office?", history=history).lang == "en"
    batch = list(k.search_batch(["When did he take office?"], histories=[history]))
    assert batch[0].lang == "en"


def test_a_japanese_follow_up_of_common_words_only_leans_on_the_question_before_it(analyzer, tmp_path):
    history = [{"role": "user", "content": "NSATUとは何ですか?"}, {"role": "assistant", "content": "支援組織です。"}]
    common = {"日本", "参加"}.__contains__
    question = "日本は参加するの?"  # leaves out what the conversation already says: NSATU
    assert retrieval_question(question, history, analyzer) == question  # its two words look like a question
    assert retrieval_question(question, history, analyzer, common) == f"NSATUとは何ですか? {question}"
    assert retrieval_question("NATOの本部はどこ?", history, analyzer, common) == "NATOの本部はどこ?"  # 本部: its own
    # Through an index: 日本 and 参加 are in most of its passages, NSATU in one.
    docs = {f"d{n}.md": f"# 第{n}章\n\n日本は会合{n}に参加した。\n" for n in range(5)}
    docs["nsatu.md"] = "# NSATU\n\nNSATUは支援組織である。日本も加わる見通しだ。\n"
    kotae = lexical_kotae(tmp_path, docs, Thresholds.never())
    assert kotae.retriever.common("日本") and not kotae.retriever.common("nsatu")
    assert kotae.search(question, mode="lexical").passages[0].doc_id != "nsatu"  # alone, it finds other passages
    assert kotae.search(question, history=history, mode="lexical").passages[0].doc_id == "nsatu"


def test_a_follow_up_is_not_answered_with_what_the_answer_before_it_named(tmp_path):
    # 今の会員は? after 設立時の会員は? / 12人: the sentence with 12人 holds the earlier words, but 12人 was said.
    k = lexical_kotae(tmp_path, {
        "club.md": "# 会員\n\n設立時の会員は12人で、2010年に会則を定めた。\n\n現在の会員は45人である。\n",
        "other.md": "# 図書館\n\n図書館は2021年に開館した。\n"}, Thresholds.never())
    history = [{"question": "クラブ設立時の会員は何人?", "answer": "12人（2010年に会則）"}]
    answer = k.ask("じゃあ今の会員は何人?", history=history)
    assert answer.short_answer is not None and answer.short_answer.text == "45人"
    assert last_named(history) == "12人"
    # What the answer named after its first item (2010年) still answers.
    when = k.ask("その会則はいつ定めた?", history=history)
    assert when.short_answer is not None and when.short_answer.text == "2010年"


def test_the_last_answer_names_its_first_item():
    assert last_named([{"question": "誰?", "answer": "マルク・ルッテ(2024年10月から現職)"}]) == "マルク・ルッテ"
    assert last_named([{"role": "user", "content": "Who?"}, {"role": "assistant", "content": "Mark Rutte."}]) == (
        "Mark Rutte")
    assert last_named([{"question": "何?", "answer": "現在の市長は山田太郎である。"}]) == ""  # a quote names nothing
    assert last_named([]) == last_named(None) == ""
