"""What the tests share: a tiny Japanese corpus and gold set written by the tests, and settings and index builders
(the HTTP helpers and fakes are in fakes.py).

Test files import from here and from fakes.py, never from one another; conftest.py only declares fixtures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kotae.config import Settings

REPO = Path(__file__).resolve().parent.parent
SHIPPED_CORPUS = REPO / "corpus"  # the shipped documents: only `quality` tests read them
GOLD = REPO / "eval" / "gold.jsonl"  # the shipped gold set, which quotes the shipped corpus


# The tiny corpus.

# Four short documents written for the tests (fictional events, real places), shaped like a user's own: front
# matter, Markdown and numbered headings, bullet lists, a table, dates, numbers with counters, places and people,
# loanwords and a foreign name in katakana. Tests that check mechanics run on these, so a user may change
# corpus/ without breaking them.
TINY_DOCUMENTS: dict[str, str] = {
    "city-library.md": """---
id: city-library
title: "松本市中央図書館の新館"
source: "松本市の広報（テスト用の作例）"
published: "2021-04-01"
lang: ja
notes: "kotae のテストのために書いた短い文書。"
---
# 松本市中央図書館の新館

## 概要

松本市中央図書館の新館は、2021年4月1日に開館した。館長は山田花子である。建物は地上3階建てで、蔵書は約30万冊に上る。旧館は老朽化のため、2019年に閉館していた。

## 主なサービス

- 平日は午後8時まで開館する。
- 子ども向けの読み聞かせ会を毎週土曜日に開く。
- 電子書籍の貸出サービスを提供する。
- 視覚に障害のある人のために、音声で読める資料をそろえている。

## 利用の状況

開館から1年間で、延べ42万人が来館した。これは旧館の2倍を超える数である。ボランティア50人が書架の整理を手伝っている。

## 今後の計画

市は2024年に、南部の分館を改修する計画を発表した。改修の費用は約3億円と見込まれている。工事の間は、移動図書館の車が週に2回、地区を回る。
""",
    "tea-festival.md": """---
id: tea-festival
title: "静岡茶まつりの記録"
source: "静岡茶まつり実行委員会（テスト用の作例）"
published: 2023-06-10
lang: ja
---
静岡茶まつりの記録

1. 開催の経緯

第1回の静岡茶まつりは、1998年5月に駿府城公園で開催された。以後、毎年5月の第2土曜日と日曜日に開かれている。新茶の季節に、生産者と消費者が直接出会う場を作ることが目的である。

2. 2023年の概要

2023年の第25回には、県内の茶農家120軒が出店した。来場者は2日間で約8万人であった。実行委員長の佐藤一郎は記者会見で「新茶の香りを多くの人に届けたい」と述べた。雨の予報に備えて、会場には大きなテントが20張り用意された。

3. 主な催し

- 手もみ茶の実演（午前10時から）
- 茶席の体験（一席500円）
- 子どもの茶摘み競争
- 急須で上手にいれる方法の講座

4. 来年に向けて

実行委員会は、駐車場の不足を解消するため、来年から駅と会場を結ぶ無料バスを運行すると決めた。
""",
    "river-railway.md": """---
id: river-railway
title: "大井川の地方鉄道"
source: "地域交通の資料（テスト用の作例）"
published: "2022"
lang: ja
---
# 大井川の地方鉄道

## 歴史

この鉄道は1925年に開業し、大井川に沿って山あいの町を結んでいる。全長は約40キロメートルで、駅は12ある。一度は廃止された蒸気機関車の運転を、1976年に再開した。

## 運行

時刻表は2022年3月に改訂され、普通列車は1日に14往復となった。蒸気機関車（SL）は土曜日と日曜日に1往復だけ走る。

年	出来事
1925年	金谷駅から営業を開始
1976年	蒸気機関車の運転を再開
2022年	時刻表を改訂

## 観光

沿線には温泉と茶畑が広がり、秋には紅葉を見に多くの観光客が訪れる。終点の駅から歩いて15分の所に、長さ約200メートルのつり橋がある。
""",
    "sister-city.md": """---
id: sister-city
title: "ザルツブルクとの姉妹都市交流"
source: "国際交流の資料（テスト用の作例）"
published: "2019-10-05"
lang: ja
---
# ザルツブルクとの姉妹都市交流

## 始まり

松本市とオーストリアのザルツブルク市は、1959年に姉妹都市の提携を結んだ。両市はどちらも山に囲まれ、音楽が盛んな町である。

## 2019年の訪問

2019年10月、ザルツブルク市のエレナ・ブランドリーニ副市長が松本市を訪れた。副市長は小学校で児童と交流し、市民会館では記念の演奏会が開かれた。演奏会には約600人が集まった。

## 交流の内容

- 高校生の短期留学（毎年8人）
- 音楽家の相互派遣
- 図書館どうしの資料交換

## 次の節目

提携から70年となる2029年には、両市の市民が互いの町を訪れる記念の旅行が計画されている。
""",
}

# The tiny index is built with small chunks, so that four short documents still give about twenty passages.
TINY_CHUNKING: dict[str, Any] = {"chunk_target": 100, "chunk_max": 250}
# A test's own throwaway index (to change, rebuild or damage) skips the dictionary lookups of the English lexicon,
# which take four fifths of a tiny build; the session's indexes keep them. Loanwords and katakana names still
# reach the lexicon without a dictionary (`How many volunteers…?` finds ボランティア).
THROWAWAY: dict[str, Any] = {"lexicon": False}


def write_tiny_corpus(folder: Path) -> Path:
    """Write the tiny corpus into `folder` (created if need be) and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in TINY_DOCUMENTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# A gold set for the tiny corpus, in the shape of eval/gold.jsonl: answerable questions of several types in both
# languages, each with a verbatim evidence quote, and two unanswerable ones.
TINY_GOLD: list[dict[str, Any]] = [
    {"id": "t1", "lang": "ja", "question": "図書館の館長は誰ですか", "answer": "山田花子",
     "evidence": ["館長は山田花子である"], "doc_id": "city-library", "type": "who"},
    {"id": "t2", "lang": "ja", "question": "静岡茶まつりの来場者は何人でしたか", "answer": "約8万人",
     "evidence": ["来場者は2日間で約8万人であった"], "doc_id": "tea-festival", "type": "number"},
    {"id": "t3", "lang": "ja", "question": "蒸気機関車の運転が再開されたのはいつ", "answer": "1976年",
     "evidence": ["1976年に再開した"], "doc_id": "river-railway", "type": "date"},
    {"id": "t4", "lang": "ja", "question": "松本市と姉妹都市になった町はどこ", "answer": "ザルツブルク",
     "evidence": ["ザルツブルク市は、1959年に姉妹都市"], "doc_id": "sister-city", "type": "where"},
    {"id": "t5", "lang": "en", "question": "When did the library open?", "answer": "1 April 2021",
     "evidence": ["2021年4月1日に開館した"], "doc_id": "city-library", "type": "date"},
    {"id": "t6", "lang": "en", "question": "When was the timetable revised?", "answer": "March 2022",
     "evidence": ["時刻表は2022年3月に改訂され"], "doc_id": "river-railway", "type": "date"},
    {"id": "t7", "lang": "en", "question": "Why do growers and shoppers meet at the tea festival?",
     "answer": "to meet directly", "evidence": ["生産者と消費者が直接出会う場を作ることが目的"],
     "doc_id": "tea-festival", "type": "paraphrase"},
    {"id": "t8", "lang": "ja", "question": "火星の首都はどこですか", "answer": None, "evidence": [],
     "kind": "offtopic"},
    {"id": "t9", "lang": "en", "question": "Who invented the telephone?", "answer": None, "evidence": [],
     "kind": "offtopic"},
]


def write_tiny_gold(path: Path) -> Path:
    """Write TINY_GOLD to `path` as a gold file (JSON lines) and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in TINY_GOLD), encoding="utf-8")
    return path


# Settings and indexes.

def make_settings(corpus_dir: Path, index_dir: Path, **overrides: Any) -> Settings:
    """Settings for one corpus and index folder; lexical only unless a model is given. `overrides` are field names
    without their group (`chunk_target=200`, `llm_model=...`)."""
    values: dict[str, Any] = {"corpus_dir": corpus_dir, "index_dir": index_dir, "embed_model": "none"}
    values.update(overrides)
    return Settings.of(**values)


def build(corpus_dir: Path, index_dir: Path, **overrides: Any) -> Settings:
    """Settings of an index of `corpus_dir` in `index_dir`, built."""
    from kotae.build import build_index

    settings = make_settings(corpus_dir, index_dir, **overrides)
    build_index(settings)
    return settings


def lexical_kotae(folder: Path, documents: dict[str, str], thresholds: Any = None) -> Any:
    """A Kotae over a corpus of its own, `documents` (file name → Markdown) written to `folder`/corpus and indexed
    lexically into `folder`/index; `thresholds` as Kotae takes them (None: the shipped ones)."""
    from kotae.facade import Kotae
    from kotae.store import load_index

    corpus = folder / "corpus"
    corpus.mkdir()
    for name, text in documents.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = build(corpus, folder / "index", embed_model="none")
    return Kotae(load_index(settings), settings, thresholds=thresholds)


def build_tiny(folder: Path, **overrides: Any) -> Settings:
    """A fresh copy of the tiny corpus in `folder`/corpus and its throwaway index in `folder`/index, built with
    small chunks: for tests that change, rebuild or damage an index of their own."""
    corpus = write_tiny_corpus(folder / "corpus")
    return build(corpus, folder / "index", **{**TINY_CHUNKING, **THROWAWAY, **overrides})


# Damaging a build, as the tests of verified loads do. Published builds are read-only, so a test first makes the file
# (and its folder) writable again, as someone editing a build by hand would have to.

def writable(path: Path) -> Path:
    """`path` and its folder made writable by their owner; returns `path`."""
    for target in (path.parent, path):
        target.chmod(target.stat().st_mode | 0o200)
    return path


def _without_middle_line(data: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    return b"".join(lines[:len(lines) // 2] + lines[len(lines) // 2 + 1:])


# Ways a file changes size: each must be found by every load.
DAMAGES: dict[str, Any] = {
    "truncated": lambda data: data[:len(data) // 2],
    "emptied": lambda data: b"",
    "line removed": _without_middle_line,
    "garbage": lambda data: b"\x00\xff not what was written \xfe\n" * 3,
}


def damage(path: Path, how: str) -> None:
    """Spoil one file in one of the DAMAGES ways, in place."""
    data = path.read_bytes()
    writable(path).write_bytes(DAMAGES[how](data))


def overwrite_in_place(path: Path) -> None:
    """Change bytes in the middle of a file, keeping its size: only hashes can tell."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 8] = bytes(255 - b for b in data[middle:middle + 8])
    writable(path).write_bytes(bytes(data))


def rerecord(build: Path, name: str) -> None:
    """Record a damaged file's new size and hash in its build's manifest, as if it had been built so: only reading
    it and counting what it holds can then tell."""
    from kotae.integrity import sha256_of

    manifest_path = writable(build / "manifest.json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    path = build / name
    manifest["files"][name] = {"size": path.stat().st_size, "sha256": sha256_of(path)}
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


# Short answers.

@dataclass(frozen=True)
class Sentence:
    """A cited sentence as the answer gives it: text, and where it is in its document."""

    text: str
    doc_id: str
    start: int
    end: int


def pick(analyzer: Any, kind: str, question: str, *texts: str, lang: str = "ja", names: Any = None) -> Any:
    """The short answer among `texts`, each a sentence of its own document starting at offset 100."""
    from kotae.short_answer import Question, short_answer

    sentences = [Sentence(t, f"doc-{n}", 100, 100 + len(t)) for n, t in enumerate(texts)]
    tokens = [analyzer.tokens(t.replace("\t", "\n")) for t in texts]
    weights = {t.term: 1.0 for t in analyzer.tokens(question)}
    return short_answer(Question(kind, question, weights, None, lang), sentences, tokens, names)


def span_of(found: Any, *texts: str) -> str:
    """The short answer's text checked against the sentence it says it comes from."""
    n = int(found.doc_id.split("-")[1])
    assert texts[n][found.start - 100:found.end - 100] == found.text
    return found.text


@cache
def foreign_arithmetic() -> str | None:
    """Why this CPU's onnxruntime kernels do not reproduce the bundled model's numbers on the machine that measured
    the shipped scales and learned the shipped thresholds, or None where they do. Kernels for other instruction
    sets (AVX2, AVX-512 VNNI) round and sum a quantised product's parts otherwise, and after twelve layers of 8-bit
    products the scales one measures differ by up to 3% and the vectors by up to 0.0005 cosine."""
    import numpy as np

    from kotae import e5_smoothing

    measured, weights = e5_smoothing.measure_bundled()
    shipped = e5_smoothing.shipped(weights)
    if shipped is None or np.allclose(measured, shipped, rtol=1e-3, atol=1e-3):
        return None
    apart = float((np.abs(measured - shipped) / np.maximum(np.abs(shipped), 1e-6)).max())
    return (f"this CPU's onnxruntime kernels give other numbers than the calibrating machine's (scales up to "
            f"{apart:.1%} apart)")
