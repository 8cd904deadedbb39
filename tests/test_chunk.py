"""Chunking: spans that quote documents exactly, cover all their text, and keep units whole."""

from __future__ import annotations

import pytest

from kotae.chunk import (
    _REFERS_BACK,
    _split_long,
    chunk_corpus,
    chunk_document,
    chunk_fixed,
    split_sentences,
    split_units,
)
from kotae.config import Settings
from kotae.types import Document

DEFAULTS = Settings().index


def _doc(text: str, doc_id: str = "d") -> Document:
    return Document(id=doc_id, title=doc_id, text=text)


def _units(doc: Document, maximum: int):
    """The units the chunker packs: split_units, with over-long units split as it splits them."""
    out = []
    for unit in split_units(doc.text):
        out.extend(_split_long(doc.text, unit, maximum) if unit.end - unit.start > maximum else [unit])
    return out


def _check_chunks(doc: Document, target: int, maximum: int, overlap: int):
    chunks = chunk_document(doc, target=target, maximum=maximum, overlap=overlap)
    assert chunks
    covered: set[int] = set()
    for chunk in chunks:
        assert chunk.doc_id == doc.id
        assert doc.text[chunk.start:chunk.end] == chunk.text, chunk.id
        assert chunk.text.strip() == chunk.text, chunk.id  # no blank edges
        covered.update(range(chunk.start, chunk.end))
    missing = [i for i, ch in enumerate(doc.text) if not ch.isspace() and i not in covered]
    assert not missing, f"{doc.id}: text at {missing[:5]} is in no chunk: {doc.text[missing[0]:missing[0] + 30]!r}"
    units = _units(doc, maximum)
    longest_unit = max(u.end - u.start for u in units)
    for chunk in chunks:
        assert len(chunk.text) <= max(maximum, longest_unit), chunk.id
    for before, after in zip(chunks, chunks[1:]):
        assert after.start >= before.start and after.end > before.end, (before.id, after.id)
        shared = [u for u in units if after.start <= u.start < before.end]
        # one more where the overlap opens by referring back to the sentence before it (この中では)
        refers_back = len(shared) > 1 and bool(_REFERS_BACK.match(doc.text, shared[1].start))
        assert len(shared) <= overlap + refers_back, (before.id, after.id, len(shared))
    assert len({c.id for c in chunks}) == len(chunks)
    return chunks


def test_every_corpus_document_chunks_exactly_with_default_sizes(corpus_docs):
    for doc in corpus_docs:
        chunks = _check_chunks(doc, DEFAULTS.chunk_target, DEFAULTS.chunk_max, DEFAULTS.chunk_overlap)
        assert all(len(c.text) <= DEFAULTS.chunk_max for c in chunks)
        assert len(chunks) >= 2 or len(doc.text) <= DEFAULTS.chunk_target, doc.id


@pytest.mark.parametrize(("target", "maximum", "overlap"), [(60, 120, 2), (100, 200, 0), (50, 50, 1)])
def test_every_corpus_document_chunks_exactly_with_small_sizes(corpus_docs, target, maximum, overlap):
    for doc in corpus_docs:
        _check_chunks(doc, target, maximum, overlap)


def test_no_overlap_means_disjoint_chunks(corpus_docs):
    for doc in corpus_docs:
        chunks = chunk_document(doc, target=200, maximum=400, overlap=0)
        for before, after in zip(chunks, chunks[1:]):
            assert after.start >= before.end


def test_consecutive_chunks_share_one_sentence():
    text = "".join(f"文{n}は{n}番目の文であり、内容を説明します。" for n in range(40))
    chunks = chunk_document(_doc(text), target=100, maximum=300, overlap=1)
    assert len(chunks) > 3
    overlapping = [(a, b) for a, b in zip(chunks, chunks[1:]) if b.start < a.end]
    assert overlapping, "overlap=1 repeats a sentence between neighbours"
    for a, b in overlapping:
        shared = text[b.start:a.end]
        assert list(split_sentences(shared)) == [(0, len(shared))]


def test_chunk_ids_are_unique_across_the_corpus(corpus_docs):
    chunks = chunk_corpus(corpus_docs, target=DEFAULTS.chunk_target, maximum=DEFAULTS.chunk_max,
                          overlap=DEFAULTS.chunk_overlap)
    ids = [c.id for c in chunks]
    assert len(ids) == len(set(ids))
    assert all(c.id.startswith(f"{c.doc_id}:") for c in chunks)


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def test_sentences_never_split_inside_quotes():
    text = "彼は「今日は晴れだ。明日は雨だ。」と言った。次の文です。"
    assert _sentences(text) == ["彼は「今日は晴れだ。明日は雨だ。」と言った。", "次の文です。"]


def test_sentences_never_split_inside_parentheses():
    text = "次の文（注：これは例だ。重要だ。）も続く。最後です！"
    assert _sentences(text) == ["次の文（注：これは例だ。重要だ。）も続く。", "最後です！"]


def test_a_bracket_left_open_on_its_line_does_not_swallow_the_sentences_after_it():
    text = "「支援部隊」「(2003-2014)を実施。次の文です。\n「引用。」の後。"
    assert _sentences(text) == ["「支援部隊」「(2003-2014)を実施。", "次の文です。", "「引用。」の後。"]


def test_closing_quote_after_terminal_stays_with_its_sentence():
    text = "“欧州とアジアの安全保障は不可分だ。”次の文です。"
    assert _sentences(text) == ["“欧州とアジアの安全保障は不可分だ。”", "次の文です。"]


def test_sentence_spans_quote_the_text():
    text = "  一文目です。 二文目です！三文目？  "
    spans = list(split_sentences(text))
    assert [text[a:b] for a, b in spans] == ["一文目です。", "二文目です！", "三文目？"]


def test_bullets_and_table_rows_are_whole_units():
    text = ("見出し\n\n"
            "- 項目一です。項目一の続きです。\n"
            "・項目二です。さらに説明します。\n\n"
            "2014年\t5月\t安倍総理のNATO本部訪問。協力計画に署名。\n"
            "本文です。二文目です。")
    kinds = [(text[u.start:u.end], u.kind) for u in split_units(text)]
    assert ("- 項目一です。項目一の続きです。", "bullet") in kinds
    assert ("・項目二です。さらに説明します。", "bullet") in kinds
    assert ("2014年\t5月\t安倍総理のNATO本部訪問。協力計画に署名。", "row") in kinds
    assert ("本文です。", "sentence") in kinds and ("二文目です。", "sentence") in kinds


def test_chunks_never_cut_a_bullet_or_a_row():
    bullets = [f"- 第{n}項目では、日本とNATOの協力分野について説明します。詳細は別紙を参照。" for n in range(12)]
    rows = [f"20{10 + n}年\t{n + 1}月\t日・NATO会合を開催。共同声明を発表。" for n in range(12)]
    text = "\n".join(bullets) + "\n\n" + "\n".join(rows)
    doc = _doc(text)
    chunks = chunk_document(doc, target=80, maximum=200, overlap=1)
    assert len(chunks) > 4
    for line in bullets + rows:
        start = text.index(line)
        assert any(c.start <= start and start + len(line) <= c.end for c in chunks), line
        # No chunk begins or ends inside the line.
        for c in chunks:
            assert not (start < c.start < start + len(line)), line
            assert not (start < c.end < start + len(line)), line


def test_an_over_long_sentence_is_split_at_commas_as_a_last_resort():
    sentence = "、".join(["日本とNATOは協力を進める"] * 40) + "。"
    doc = _doc(sentence)
    chunks = _check_chunks(doc, 100, 150, 1)
    assert len(chunks) >= 4
    assert all(len(c.text) <= 150 for c in chunks)
    assert all(c.text.endswith("、") for c in chunks[:-1]), "cuts fall after a comma when there is one"


def test_an_over_long_sentence_without_breaks_is_cut_hard():
    doc = _doc("あ" * 1000 + "。")
    chunks = _check_chunks(doc, 100, 300, 1)
    assert all(len(c.text) <= 300 for c in chunks)
    assert "".join(c.text for c in chunks) == doc.text


def test_nearest_heading_is_recorded():
    para_a = "概要の本文です。" * 8
    para_b = "詳細の本文です。" * 8
    text = f"# 概要\n\n{para_a}\n{para_a}\n\n# 詳細\n\n{para_b}\n{para_b}"
    chunks = chunk_document(_doc(text), target=60, maximum=200, overlap=1)
    second = text.index("# 詳細")
    assert len(chunks) >= 4
    for chunk in chunks:
        if chunk.start >= second:
            assert "詳細" in chunk.heading, chunk
        else:
            assert "概要" in chunk.heading, chunk
    # A new section starts a new chunk rather than trailing the previous one.
    assert any(c.start == second for c in chunks)


def test_corpus_chunks_record_the_section_headings(corpus_docs):
    doc = next(d for d in corpus_docs if d.id == "tea-festival")  # numbered headings, not Markdown ones
    chunks = chunk_document(doc, target=DEFAULTS.chunk_target, maximum=DEFAULTS.chunk_max,
                            overlap=DEFAULTS.chunk_overlap)
    headings = {c.heading for c in chunks}
    assert any("2023年の概要" in h for h in headings)
    assert any("主な催し" in h for h in headings)
    for chunk in chunks:
        if chunk.heading:
            assert doc.text.find(chunk.heading) < chunk.end, "a chunk's heading comes before its text ends"


def test_plain_lines_do_not_replace_a_marked_heading_as_context():
    body = "中東諸国との関係強化の協力枠組みであり、国防改革、テロ対策等の分野で協力する。" * 2
    text = (f"1. 域外国との関係\n\n●協力イニシアティブ 4か国\n\n(2004年6月～)\n\n{body}\n\n"
            f"バーレーン クウェート カタール\n\n(注)オマーンも参加に関心。\n\n●世界のパートナー\n\n9か国\n\n{body}")
    chunks = chunk_document(_doc(text), target=80, maximum=300, overlap=0)
    names = next(c for c in chunks if c.text.startswith("バーレーン"))
    assert names.heading == "●協力イニシアティブ 4か国"
    later = [c for c in chunks if c.start > text.index("●世界")]
    assert later and all(c.heading == "●世界のパートナー" for c in later)


def test_a_document_without_marked_headings_uses_its_plain_ones():
    para = "本文の文章がここに続きます。" * 6
    text = f"見出しその一\n\n{para}\n\n見出しその二\n\n{para}\n{para}"
    chunks = chunk_document(_doc(text), target=60, maximum=200, overlap=0)
    assert {c.heading for c in chunks} == {"見出しその一", "見出しその二"}


@pytest.mark.parametrize("size", [1, 7, 300])
def test_fixed_windows_cover_the_text_exactly_without_overlap(size):
    doc = _doc("一行目です。\n\n  二行目（括弧の中。）も続く。\n- 箇条書き\n" * 5)
    chunks = chunk_fixed(doc, size)
    assert "".join(c.text for c in chunks) == doc.text
    assert [c.start for c in chunks] == list(range(0, len(doc.text), size))
    assert all(a.end == b.start for a, b in zip(chunks, chunks[1:])), "windows are consecutive"
    assert all(len(c.text) == size for c in chunks[:-1])
    assert 0 < len(chunks[-1].text) <= size
    assert all(c.heading == "" for c in chunks)
    assert len({c.id for c in chunks}) == len(chunks)


def test_fixed_windows_of_a_text_that_divides_evenly_end_with_a_full_window():
    chunks = chunk_fixed(_doc("あいうえおかきくけこ"), 5)
    assert [c.text for c in chunks] == ["あいうえお", "かきくけこ"]


def test_fixed_chunking_of_the_real_corpus_round_trips_offsets(corpus_docs):
    chunks = chunk_corpus(corpus_docs, target=300, maximum=DEFAULTS.chunk_max, overlap=DEFAULTS.chunk_overlap,
                          method="fixed")
    by_id = {d.id: d for d in corpus_docs}
    assert len(chunks) == sum(-(-len(d.text) // 300) for d in corpus_docs)
    for chunk in chunks:
        assert by_id[chunk.doc_id].text[chunk.start:chunk.end] == chunk.text, chunk.id
        assert 0 < len(chunk.text) <= 300
    for doc in corpus_docs:
        assert "".join(c.text for c in chunks if c.doc_id == doc.id) == doc.text
    sentences = chunk_corpus(corpus_docs, target=300, maximum=DEFAULTS.chunk_max, overlap=DEFAULTS.chunk_overlap)
    assert [c.text for c in sentences] != [c.text for c in chunks], "the method argument changes the chunks"


def test_fixed_chunking_is_chosen_by_the_settings_and_recorded_in_the_manifest(small_corpus, tmp_path):
    from support import make_settings

    from kotae.build import build_index
    from kotae.errors import StaleIndexError
    from kotae.store import check_fresh, load_index

    settings = make_settings(small_corpus, tmp_path / "index", chunking="fixed", chunk_target=250)
    manifest = build_index(settings).manifest
    assert manifest.chunker.method == "fixed" and manifest.settings["chunking"] == "fixed"
    index = load_index(settings)
    assert all(len(c.text) <= 250 and c.heading == "" for c in index.chunks)
    assert sum(len(c.text) for c in index.chunks) == sum(len(d.text) for d in index.documents.values())
    sentences = make_settings(small_corpus, tmp_path / "index", chunk_target=250, chunking="sentences")
    with pytest.raises(StaleIndexError, match="chunking"):
        check_fresh(manifest, sentences, strict=False)
    # Only what the user set counts in non-strict mode: an unset chunking does not make the index stale.
    check_fresh(manifest, make_settings(small_corpus, tmp_path / "index", chunk_target=250), strict=False)
    with pytest.raises(StaleIndexError, match="chunking"):
        check_fresh(manifest, make_settings(small_corpus, tmp_path / "index", chunk_target=250), strict=True)


ANTECEDENT = "新たな協力文書「共同計画」は、ことしから4年間の協力を定めています。"
REFERS = "この中では、重点的な協力分野として16分野を明記しています。"


def test_an_overlap_that_refers_back_brings_the_sentence_it_refers_to():
    text = ("日本と連合は会談しました。" * 8 + ANTECEDENT + REFERS + "具体的には、訓練に日本が参加します。" * 6)
    chunks = chunk_document(_doc(text), target=180, maximum=400, overlap=1)
    holder = next(c for c in chunks if REFERS in c.text and not c.text.startswith("日本と"))
    assert holder.text.startswith(ANTECEDENT), holder.text[:40]
    plain = text.replace("この中では", "さらに今回")  # not referring back: the usual one-sentence overlap
    ends = [c.end for c in chunk_document(_doc(plain), target=180, maximum=400, overlap=1)]
    assert [c.end for c in chunks] == ends  # where the chunks end does not move
    assert not any(c.text.startswith(ANTECEDENT) for c in chunk_document(_doc(plain), target=180, maximum=400,
                                                                          overlap=1))


def test_a_long_sentence_referred_back_to_is_not_repeated_but_the_overlap_stays():
    long_antecedent = "新たな協力文書は" + "課題に対応し、" * 12 + "協力を定めています。"
    after = "具体的には、訓練に日本が参加し、研修にも加わります。"
    text = "日本と連合は会談しました。" * 2 + long_antecedent + REFERS + after * 6
    chunks = chunk_document(_doc(text), target=180, maximum=400, overlap=1)
    assert chunks[0].text.endswith(REFERS)
    assert chunks[1].text.startswith(REFERS)  # the usual one-sentence overlap, without the long sentence before it
