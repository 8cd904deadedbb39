"""The short answer where people and programs meet it: POST /v1/ask, the answer stream, `kotae ask`, and the
short-answer metrics of `kotae eval`."""

from __future__ import annotations

import json

import pytest
from fakes import parse_sse
from fastapi.testclient import TestClient
from support import write_tiny_gold

from kotae.cli import main
from kotae.evaluation.gold import GoldItem
from kotae.evaluation.metrics import AnswerScore
from kotae.evaluation.short import agrees, gold_values, short_answer_metrics

EN = "When did the library open?"
EXPECTED = {"text": "2021年4月1日", "en": "1 April 2021", "kind": "date", "doc_id": "city-library"}
LEAD = "1 April 2021 (2021年4月1日) — "


@pytest.fixture
def where(lexical_settings, monkeypatch) -> list[str]:
    monkeypatch.setenv("KOTAE_EMBED_MODEL", "none")  # the session's index is lexical
    monkeypatch.setenv("COLUMNS", "200")
    return ["--index", str(lexical_settings.index.index_dir), "--corpus", str(lexical_settings.index.corpus_dir)]


def test_ask_returns_the_short_answer_as_a_span_of_the_document(client):
    body = client.post("/v1/ask", json={"question": EN}).json()
    short = body["short_answer"]
    assert {k: short[k] for k in EXPECTED} == EXPECTED
    text = client.get(f"/v1/documents/{short['doc_id']}").json()["text"]
    assert text[short["start"]:short["end"]] == short["text"]
    assert body["answer"]["text"].startswith(LEAD)
    assert client.post("/v1/ask", json={"question": "静岡茶まつりの目的は何ですか"}).json()["short_answer"] is None


def test_the_stream_leads_with_the_short_answer_and_ends_with_it(app):
    with TestClient(app) as client:
        expected = client.post("/v1/ask", json={"question": EN}).json()
        with client.stream("POST", "/v1/ask/stream", json={"question": EN}) as response:
            parsed = parse_sse(response.read().decode("utf-8"))
    deltas = [e["text"] for e in parsed.events if e["type"] == "delta"]
    answer = next(e["answer"] for e in parsed.events if e["type"] == "answer")
    assert deltas[0].startswith(LEAD)
    assert answer["short_answer"] == expected["short_answer"] and answer["short_answer"]["en"] == "1 April 2021"


def test_the_openapi_document_describes_the_short_answer(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    short = schemas["ShortAnswerOut"]
    assert set(short["properties"]) == {"text", "en", "kind", "doc_id", "start", "end"}
    assert short["examples"][0]["en"] == "1 April 2021"
    assert "short_answer" in schemas["AnswerOut"]["properties"]


def test_kotae_ask_prints_the_short_answer_first(capsys, where):
    assert main(["ask", EN, *where]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == LEAD.removesuffix(" — ")
    assert lines[1].startswith("松本市中央図書館の新館は、2021年4月1日に開館した。 [1]")
    assert main(["ask", "静岡茶まつりの来場者は何人でしたか", *where]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "約8万人"
    assert main(["ask", EN, "--json", *where]) == 0
    assert json.loads(capsys.readouterr().out)["short_answer"]["en"] == "1 April 2021"


# kotae eval.

@pytest.mark.parametrize(("short", "kind", "gold"), [
    ("2013年4月", "date", "2013年4月"), ("2024年3月", "date", "March 2024"), ("8日", "date", "2025年4月8日"),
    ("2021年9月初旬", "date", "Early September 2021"), ("令和5年", "date", "2023"),
    ("12か国", "number", "12"), ("約335万人", "number", "About 3.35 million (2023 annual report)"),
    ("2 年", "number", "Two years from the date of approval"), ("数百張", "number", "Several hundred (数百張)"),
    ("総額50億米ドル", "number", "総額50億米ドル"), ("約1兆840億ユーロ", "number", "About 1.084 trillion euros"),
    ("約1兆840億ユーロ", "number", "約1兆840億ユーロ"), ("2億5000万円", "number", "2億5000万円"),
])
def test_short_answers_agree_with_gold_answers_in_either_language(short, kind, gold):
    assert agrees(short, kind, gold)


@pytest.mark.parametrize(("short", "kind", "gold"), [
    ("2013年4月", "date", "2014年"), ("2024年3月", "date", "April 2024"), ("2回目", "number", "Four years"),
    ("数十張", "number", "Several hundred (数百張)"),
])
def test_other_numbers_do_not_agree(short, kind, gold):
    assert not agrees(short, kind, gold)


def test_gold_values_read_scales_months_and_number_words():
    assert gold_values("約335万人(2023年版)") >= {3_350_000.0, 2023.0}
    assert gold_values("US$5 billion over five years, from March") >= {5e9, 5.0, 3.0}


def _score(qid: str, kind: str, lang: str, answer: str, short: str | None, en: str | None = None,
           abstained: bool = False) -> AnswerScore:
    item = GoldItem(id=qid, lang=lang, question="?", answer=answer, evidence=("…",), type=kind)
    return AnswerScore(item, abstained, True, 1.0, "lexical", lang, short=short, short_en=en)


def test_short_answer_metrics_count_answered_typed_questions():
    scores = [_score("a", "date", "ja", "2013年4月", "2013年4月"),
              _score("b", "number", "en", "12", "12か国", "12 countries"),
              _score("c", "number", "en", "18", "7か国", None), _score("d", "who", "ja", "山田花子", None),
              _score("e", "where", "ja", "松本", "松本市"), _score("f", "date", "ja", "2020年", None, abstained=True),
              _score("g", "definition", "ja", "…", None)]
    metrics = short_answer_metrics(scores)
    assert (metrics["typed"], metrics["coverage"]) == (5, 0.8)  # f abstained, g asks for no item
    assert (metrics["numeric"], metrics["agreement"]) == (3, 2 / 3)
    assert (metrics["english"], metrics["rendered"]) == (2, 0.5)


def test_kotae_eval_reports_short_answers(capsys, where, tmp_path):
    gold = write_tiny_gold(tmp_path / "gold.jsonl")
    assert main(["eval", "--gold", str(gold), "--json", *where]) == 0
    report = json.loads(capsys.readouterr().out)["short_answers"]
    assert set(report) == {"all", "lang:ja", "lang:en"}
    assert report["all"]["typed"] == 6 and report["all"]["coverage"] == 1.0 and report["all"]["agreement"] == 1.0
    assert main(["eval", "--gold", str(gold), *where]) == 0
    assert "Short answers" in capsys.readouterr().out
