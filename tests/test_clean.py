"""What kotae stores is readable text: Markdown and HTML markup removed when a document is loaded, lines and table
rows kept, and every passage still quotes its document exactly."""

from __future__ import annotations

import re
from pathlib import Path

from kotae.chunk import chunk_document
from kotae.load import load_corpus

MARKDOWN = """---
title: 備品の報告
---
# 報告書の**題名**

## 1. 概要

本文は*強調*と[リンクの文字](https://example.com)と![図](fig.png)を含む。注*は記号のまま。
次の行は改行で続く。&amp; と &lt;b&gt; は文字。これは**「重要」**です。

- 一つ目の項目
- 二つ目の項目
1. 番号付きの項目
2. 二番目

| 年 | 出来事 |
|---|---|
| 2013年 | **共同政治宣言** |

<p>第4条 (協議)</p>\t<p>締約国は協議する。</p>
<p>第5条</p>\t<p>集団防衛。</p>

2013年\t4月\t訪日\t\t<ul style="list-style-type: none"> ●表敬。 ●宣言を発表。
\t10月\t会談\t\t<ul style="list-style-type: none"> ●会談を実施。<br>二行目

    字下げした段落はコードではない。

<ul>
<li>HTMLの項目</li>
</ul>
"""

CLEAN = """報告書の題名

1. 概要

本文は強調とリンクの文字とを含む。注*は記号のまま。
次の行は改行で続く。& と <b> は文字。これは「重要」です。

・ 一つ目の項目
・ 二つ目の項目
1. 番号付きの項目
2. 二番目

年\t出来事
2013年\t共同政治宣言

第4条 (協議)\t締約国は協議する。
第5条\t集団防衛。

2013年\t4月\t訪日\t●表敬。 ●宣言を発表。
10月\t会談\t●会談を実施。
二行目

字下げした段落はコードではない。

・ HTMLの項目"""


def _load(tmp_path: Path, name: str, text: str):
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_text(text, encoding="utf-8")
    [doc] = load_corpus(tmp_path)
    return doc


def test_markdown_is_stored_as_plain_text_with_its_lines(tmp_path):
    doc = _load(tmp_path, "report.md", MARKDOWN)
    assert doc.text == CLEAN
    assert doc.title == "備品の報告"


def test_markdown_headings_are_heading_lines_the_chunker_follows(tmp_path):
    text = ("# 倉庫の管理\n\n## 鍵\n\n" + "倉庫の鍵は事務室の金庫にある。" * 12 + "\n\n## 点検\n\n2024年6月\n\n"
            + "点検は毎月行う。" * 40)
    doc = _load(tmp_path, "warehouse.md", text)
    assert [doc.text[h:doc.text.index("\n", h)] for h in doc.headings] == ["倉庫の管理", "鍵", "点検"]
    chunks = chunk_document(doc, target=200, maximum=400, overlap=0)
    # A short line between blank lines (the date) is not a heading the file marks: the section stays 点検.
    assert [c.heading for c in chunks][-2:] == ["点検", "点検"]
    assert all(doc.text[c.start:c.end] == c.text for c in chunks)


def test_a_long_markdown_heading_is_still_a_heading(tmp_path):
    # Over 40 characters: too long for a line the chunker would take for a heading by its shape.
    title = "第三回の定例会議で決まった備品の購入と保管の手順についての詳しい説明と今後の予定の確認"
    doc = _load(tmp_path, "long.md", f"## {title}\n\n" + "備品は倉庫に保管する。" * 40)
    chunks = chunk_document(doc, target=100, maximum=200, overlap=0)
    assert chunks[-1].heading == title


def test_shipped_corpus_is_stored_clean_and_every_chunk_quotes_it(shipped_index):
    """Over the whole shipped corpus: no markup in what kotae stores, and `text[start:end] == passage` for every
    chunk of the index."""
    docs = shipped_index.documents
    for doc in docs.values():
        assert not re.search(r"</?[a-z][^>]*>|\*\*|^#{1,6} |^[-*+] ", doc.text, re.MULTILINE), doc.id
        assert "\t\t" not in doc.text and "\n\n\n" not in doc.text and doc.text == doc.text.strip()
    assert shipped_index.chunks
    for chunk in shipped_index.chunks:
        assert docs[chunk.doc_id].text[chunk.start:chunk.end] == chunk.text, chunk.id
