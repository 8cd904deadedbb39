"""HTML, PDF and Word files: the main text in reading order, headings as lines, tables as rows, pages mapped,
files that cannot be read skipped with a reason, and a fact found only in one of them found by kotae."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from PIL import Image
from reportlab.lib import pdfencrypt
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from support import THROWAWAY, TINY_CHUNKING, build, write_tiny_corpus

import kotae
from kotae.load import read_corpus

# Japanese CID fonts every PDF reader knows by name: no font file needed.
for _font in ("HeiseiMin-W3", "HeiseiKakuGo-W5"):
    pdfmetrics.registerFont(UnicodeCIDFont(_font))

# A page as (x, y, font size, text) runs, drawn in this order: not the order they are read in.
MANUAL = [
    [(72, 500, 12, "二つ目の段落は下に書かれている。"),
     (72, 760, 18, "倉庫管理の手引き"),
     (72, 720, 12, "倉庫の鍵は事務室の金庫に保管し、持ち出すときは台帳に"),
     (72, 704, 12, "記入する。")],
    [(72, 760, 12, "第二頁の本文。点検は毎月第一月曜日に行う。")],
]


def _pdf(pages, *, encrypt=None, char_space: float = 0.0, font: str | None = None) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out, encrypt=encrypt)
    for runs in pages:
        for x, y, size, text in runs:
            line = page.beginText(x, y)
            line.setFont(font or ("HeiseiKakuGo-W5" if size > 12 else "HeiseiMin-W3"), size)
            line.setCharSpace(char_space)
            line.textOut(text)
            page.drawText(line)
        page.showPage()
    page.save()
    return out.getvalue()


def _image_pdf() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawImage(ImageReader(Image.new("RGB", (40, 20), "gray")), 72, 600, 200, 100)  # a scan: pixels only
    page.showPage()
    page.save()
    return out.getvalue()


def _docx(*, title: str = "") -> bytes:
    document = docx.Document()
    document.core_properties.title = title
    document.add_heading("備品管理規程", 0)
    document.add_heading("第1章 総則", 1)
    document.add_paragraph("この規程は備品の管理について定める。備品の点検は総務課が年に二回行う。")
    document.add_paragraph("机", style="List Bullet")
    document.add_paragraph("椅子", style="List Bullet")
    table = document.add_table(rows=2, cols=3)
    for r, row in enumerate([["品名", "数量", "保管場所"], ["プロジェクター", "2台", "第3会議室"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("以上。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


PAGE = """<!DOCTYPE html>
<html><head><meta charset="shift_jis"><title>防災のお知らせ</title>
<style>.note { color: red } /* スタイルの文字 */</style><script>var s = "スクリプトの文字";</script></head>
<body><header><a href="/">サイトのホーム</a></header>
<nav><ul><li>メニューの項目</li></ul></nav>
<main><article><header><h1>避難所の案内</h1></header>
<p>避難所は市立第二中学校の体育館である。
収容人数は約500人。</p>
<h2>持ち物</h2><ul><li>飲料水</li><li>懐中電灯</li></ul>
<table><tr><th>地区</th><th>避難所</th></tr><tr><td>北区</td><td>第二中学校</td></tr></table>
<p>問い合わせは防災課&amp;消防署へ。<br>電話でも受け付ける。</p>
<div hidden>隠れた文字</div><aside>関連記事の一覧</aside><form>検索する言葉</form>
</article></main><footer>著作権の表示</footer><script>document.write("後のスクリプト")</script></body></html>"""


def _read(folder: Path, files: dict[str, bytes]):
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return read_corpus(folder)


def test_pdf_text_comes_in_reading_order_with_its_pages(tmp_path):
    [doc] = _read(tmp_path, {"manual.pdf": _pdf(MANUAL)}).documents
    assert doc.text == ("倉庫管理の手引き\n\n倉庫の鍵は事務室の金庫に保管し、持ち出すときは台帳に記入する。\n\n"
                        "二つ目の段落は下に書かれている。\n\n第二頁の本文。点検は毎月第一月曜日に行う。")
    assert doc.title == "倉庫管理の手引き" and doc.id == "manual" and doc.meta["file"] == "manual.pdf"
    first, second = doc.meta["pages"]
    assert doc.text[first[0]:first[1]].endswith("下に書かれている。")
    assert doc.text[second[0]:second[1]] == "第二頁の本文。点検は毎月第一月曜日に行う。"


def test_pdf_columns_are_read_one_after_the_other_and_spacing_is_not_text(tmp_path):
    left = ["左の段の一行目です。", "左の段の二行目です。"]
    right = ["右の段の一行目です。", "右の段の二行目です。"]
    rows = [run for n in range(2) for run in ((72, 700 - 16 * n, 12, left[n]), (320, 700 - 16 * n, 12, right[n]))]
    spaced = _pdf([[(72, 700, 12, "字間を広げた文です。")]], char_space=3)  # justified text, widened
    corpus = _read(tmp_path, {"columns.pdf": _pdf([rows]), "spaced.pdf": spaced})
    columns, spaced = corpus.documents
    assert columns.text == "\n".join(left) + "\n\n" + "\n".join(right)  # drawn row by row, read column by column
    assert spaced.text == "字間を広げた文です。"


def test_pdfs_that_cannot_be_read_are_skipped_with_why(tmp_path):
    good = _pdf(MANUAL)
    corpus = _read(tmp_path, {
        "good.pdf": good,
        "scan.pdf": _image_pdf(),
        "locked.pdf": _pdf(MANUAL, encrypt=pdfencrypt.StandardEncryption("secret", ownerPassword="owner")),
        "cut.pdf": good[: len(good) // 3],
        "fake.pdf": "これはPDFではない。".encode(),
    })
    assert [d.id for d in corpus.documents] == ["good"]
    reasons = {s.path: s.reason for s in corpus.skipped}
    assert reasons["scan.pdf"].startswith("no text layer")
    assert reasons["locked.pdf"] == "encrypted (needs a password)"
    assert reasons["cut.pdf"].startswith("not a readable PDF")
    assert reasons["fake.pdf"] == "not a PDF file"


def test_a_pdf_locked_only_against_changes_is_read(tmp_path):
    locked = pdfencrypt.StandardEncryption("", ownerPassword="owner", canModify=0)
    [doc] = _read(tmp_path, {"notice.pdf": _pdf([[(72, 700, 12, "Printing is allowed, changes are not.")]],
                                                encrypt=locked, font="Helvetica")}).documents
    assert doc.text == "Printing is allowed, changes are not."


def test_docx_paragraphs_headings_lists_and_table_rows(tmp_path):
    [doc] = _read(tmp_path, {"rules.docx": _docx()}).documents
    assert doc.text == ("備品管理規程\n\n第1章 総則\n\n"
                        "この規程は備品の管理について定める。備品の点検は総務課が年に二回行う。\n\n・ 机\n・ 椅子\n\n"
                        "品名\t数量\t保管場所\nプロジェクター\t2台\t第3会議室\n\n以上。")
    assert [doc.text[h:doc.text.index("\n", h)] for h in doc.headings] == ["備品管理規程", "第1章 総則"]
    assert doc.title == "備品管理規程"
    [titled] = _read(tmp_path / "titled", {"rules.docx": _docx(title="文書の題名")}).documents
    assert titled.title == "文書の題名"


def _damaged(package: bytes) -> bytes:
    """A .docx package whose document part is cut short."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w") as damaged:
        for name in source.namelist():
            damaged.writestr(name, b"<w:document" if name == "word/document.xml" else source.read(name))
    return out.getvalue()


def test_word_files_that_cannot_be_read_are_skipped_with_why(tmp_path):
    corpus = _read(tmp_path, {"good.docx": _docx(), "fake.docx": b"PK\x03\x04 not a zip",
                              "damaged.docx": _damaged(_docx()), "old.doc": b"\xd0\xcf\x11\xe0"})
    assert [d.id for d in corpus.documents] == ["good"]
    reasons = {s.path: s.reason for s in corpus.skipped}
    assert reasons["fake.docx"] == "not a Word document (no .docx package inside)"
    assert reasons["damaged.docx"].startswith("not a readable Word document")
    assert reasons["old.doc"] == "unsupported type (.doc)"


def test_html_main_text_only_with_headings_lists_and_rows(tmp_path):
    [doc] = _read(tmp_path, {"notice.html": PAGE.encode("cp932")}).documents
    assert doc.text == ("避難所の案内\n\n避難所は市立第二中学校の体育館である。収容人数は約500人。\n\n持ち物\n\n"
                        "・ 飲料水\n・ 懐中電灯\n\n地区\t避難所\n北区\t第二中学校\n\n"
                        "問い合わせは防災課&消防署へ。\n電話でも受け付ける。")
    for chrome in ("スクリプト", "スタイル", "color", "ホーム", "メニュー", "関連記事", "検索", "著作権", "隠れた"):
        assert chrome not in doc.text
    assert doc.title == "防災のお知らせ" and doc.meta["encoding"] == "cp932"
    assert [doc.text[h:doc.text.index("\n", h)] for h in doc.headings] == ["避難所の案内", "持ち物"]


def test_xhtml_without_title_or_main_uses_its_body_and_first_h1(tmp_path):
    page = ('<?xml version="1.0" encoding="utf-8"?>\n'
            "<html><body><nav>目次</nav><h1>議事録</h1><p>次回は五月に開く。</p></body></html>")
    [doc] = _read(tmp_path, {"minutes.htm": page.encode()}).documents
    assert doc.title == "議事録" and doc.text == "議事録\n\n次回は五月に開く。" and doc.meta["encoding"] == "utf-8"


@pytest.fixture(scope="module")
def mixed_index(tmp_path_factory):
    """The tiny corpus with one PDF, one Word file and one HTML page, each holding a fact no other file has."""
    corpus = write_tiny_corpus(tmp_path_factory.mktemp("mixed") / "corpus")
    (corpus / "manual.pdf").write_bytes(_pdf(MANUAL))
    (corpus / "rules.docx").write_bytes(_docx())
    (corpus / "notice.html").write_bytes(PAGE.encode("cp932"))
    settings = build(corpus, corpus.parent / "index", **{**TINY_CHUNKING, **THROWAWAY})
    return kotae.open(settings.index.index_dir, settings)


@pytest.mark.parametrize(("question", "doc_id", "fact"), [
    ("倉庫の鍵はどこに保管していますか", "manual", "事務室の金庫"),
    ("備品の点検はどの課が行いますか", "rules", "総務課"),
    ("避難所の収容人数は何人ですか", "notice", "約500人"),
])
def test_a_fact_only_in_a_pdf_word_or_html_file_is_found(mixed_index, question, doc_id, fact):
    [top, *_] = mixed_index.search(question).passages
    assert top.doc_id == doc_id and fact in top.text
    assert mixed_index.document(doc_id).text[top.start:top.end] == top.text
    answer = mixed_index.ask(question)
    assert not answer.abstained and fact in answer.to_dict()["answer"]["text"]
