"""The sentence ranker: features of a candidate sentence, learned weights, sentence vectors in the index."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kotae.errors import ConfigError, DamagedIndexError
from kotae.sentence_rank import DEFAULT, FEATURES, Candidate, Ranker, learn
from kotae.sentences import FILES, SentenceVectors, by_sentences, embed_sentences, sentence_units
from kotae.thresholds import load_calibration, save_thresholds


def load_ranker(path):
    return load_calibration(path)[1]


def _candidate(coverage=0.5, rank=1, similarity=None, row=False) -> Candidate:
    return Candidate(coverage=coverage, context=coverage, local=coverage, rank=rank, typed=False, item=False,
                     row=row, length=40, similarity=similarity)


def test_a_candidate_is_one_number_per_feature_and_similarity_is_zero_without_vectors():
    assert _candidate().vector().shape == (len(FEATURES),)
    assert _candidate().vector()[FEATURES.index("similarity")] == 0.0
    assert _candidate(similarity=0.85).vector()[FEATURES.index("similarity")] == pytest.approx(1.0)


def test_learning_finds_the_feature_that_marks_the_answering_sentence():
    """In every question the answering sentence is the one most similar to the question, while coverage points at
    another: the learned weight of similarity is positive and it ranks the right sentence first."""
    questions = []
    for _ in range(30):
        cands = [_candidate(coverage=0.9, similarity=0.80), _candidate(coverage=0.4, similarity=0.88),
                 _candidate(coverage=0.6, rank=2, similarity=0.82)]
        questions.append((cands, [False, True, False]))
    weights = learn(questions)
    assert weights[FEATURES.index("similarity")] > 0
    ranker = Ranker({"hybrid": {"ja": weights}})
    scores, _ = ranker.scores(questions[0][0], "hybrid", "ja")
    assert int(np.argmax(scores)) == 1
    default, _ = Ranker().scores(questions[0][0], "hybrid", "ja")
    assert int(np.argmax(default)) == 0  # the hand-set weights follow coverage
    assert learn([([_candidate()], [False])]) == list(DEFAULT)  # nothing to learn from


def test_weights_of_another_length_or_another_mode_fall_back_to_the_defaults():
    ranker = Ranker({"hybrid": {"en": [1.0] * len(FEATURES), "ja": [1.0, 2.0]}})
    assert list(ranker.model("hybrid", "en")[0]) == [1.0] * len(FEATURES)
    assert list(ranker.model("hybrid", "mixed")[0]) == list(DEFAULT)  # mixed questions share the Japanese ones
    assert list(ranker.model("lexical", "en")[0]) == list(DEFAULT)


def test_ranker_weights_are_saved_beside_the_thresholds_and_a_bad_entry_is_a_clear_error(tmp_path):
    path = tmp_path / "calibration.json"
    n = len(FEATURES)
    save_thresholds(path, {"hybrid": {"ja": 0.5}}, learned_from="g", sentence_weights={"hybrid": {"ja": [0.5] * n}})
    assert load_ranker(path).weights["hybrid"]["ja"] == (0.5,) * n
    assert json.loads(path.read_text(encoding="utf-8"))["sentence_features"] == list(FEATURES)
    save_thresholds(path, {"lexical": {"ja": 0.3}}, learned_from="g", sentence_weights={"lexical": {"en": [1.0] * n}})
    assert set(load_ranker(path).weights) == {"hybrid", "lexical"}  # learning one mode keeps the others
    path.write_text('{"thresholds": {}, "sentence_weights": {"hybrid": {"ja": ["x"]}}}', encoding="utf-8")
    with pytest.raises(ConfigError, match="sentence_weights"):
        load_ranker(path)
    # Weights learned for other features (an older kotae's file) are matched by position: not used, nor kept.
    older = [*FEATURES[1:], FEATURES[0]]
    path.write_text(json.dumps({"thresholds": {}, "sentence_features": older,
                                "sentence_weights": {"dense": {"ja": [2.0] * n}}}), encoding="utf-8")
    assert load_ranker(path).weights == {}
    save_thresholds(path, {"hybrid": {"ja": 0.5}}, learned_from="g", sentence_weights={"hybrid": {"ja": [0.5] * n}})
    assert set(load_ranker(path).weights) == {"hybrid"}


def test_sentence_vectors_follow_each_chunks_sentences_and_embed_a_repeated_sentence_once():
    texts = ["図書館は月曜休館。館長は山田花子である。", "館長は山田花子である。\n・蔵書は約30万冊"]
    asked: list[list[str]] = []

    def encode(batch):
        asked.append(list(batch))
        return np.eye(len(batch), 4, dtype=np.float32)

    vectors = embed_sentences(texts, encode)
    assert [len(sentence_units(t)) for t in texts] == [2, 2]
    assert list(vectors.offsets) == [0, 2, 4]
    assert len(asked) == 1 and len(asked[0]) == 3  # the shared sentence once
    assert np.array_equal(vectors.of(0)[1], vectors.of(1)[0])  # the same sentence, the same row
    asked.clear()
    embed_sentences(texts, encode, titles=["図書館", "図書館"])
    assert asked[0][0] == "図書館\n図書館は月曜休館。" and len(asked[0]) == 3  # read after the document's title


def test_a_bundled_build_has_sentence_vectors_that_match_its_chunks_and_a_damaged_file_is_refused(bundled_settings,
                                                                                                   tmp_path):
    import shutil

    from kotae.store import load_index

    index = load_index(bundled_settings)
    assert index.sentences is not None and index.manifest.dense.sentences == len(index.sentences.vectors)
    for i, chunk in enumerate(index.chunks):
        assert len(index.sentences.of(i)) == len(sentence_units(chunk.text))
    assert np.allclose(np.linalg.norm(index.sentences.vectors, axis=1), 1.0, atol=1e-3)
    # Offsets that no longer add up are a damaged index, whatever the hashes say.
    copy = tmp_path / "index"
    shutil.copytree(bundled_settings.index.index_dir, copy)
    build = copy / (copy / "CURRENT").read_text().strip()
    offsets = build / FILES[1]
    offsets.chmod(0o644)
    np.save(offsets, np.zeros(len(index.chunks) + 1, dtype=np.int64))
    from kotae.sentences import load_sentences

    with pytest.raises(DamagedIndexError, match="sentence"):
        load_sentences(build, index.manifest, len(index.chunks), "rebuild it")


def test_a_lexical_build_has_no_sentence_vectors(lexical_index):
    assert lexical_index.sentences is None
    assert not any(name.startswith("sentences/") for name in lexical_index.manifest.files)


def test_sentence_vectors_type_holds_rows_per_chunk():
    vectors = SentenceVectors(np.ones((3, 2), np.float32), np.array([0, 1, 3]))
    assert vectors.of(0).shape == (1, 2) and vectors.of(1).shape == (2, 2)


def test_a_chunk_is_as_near_a_question_as_its_nearest_sentence():
    # Chunk 0 as a whole is nearer the question, but chunk 1 holds the sentence that is nearest of all.
    vectors = SentenceVectors(np.array([[0.6, 0.8], [0.0, 1.0], [1.0, 0.0]], np.float32), np.array([0, 1, 3]))
    question = np.array([1.0, 0.0], np.float32)
    assert by_sentences([(0, 0.7), (1, 0.5)], question, vectors) == [(1, 1.0), (0, 0.7)]
    # A chunk's own cosine stands where its sentences are all further; a chunk without sentences keeps it.
    empty = SentenceVectors(np.array([[0.0, 1.0]], np.float32), np.array([0, 1, 1]))
    assert by_sentences([(0, 0.4), (1, 0.3)], question, empty) == [(0, 0.4), (1, 0.3)]
    between = SentenceVectors(np.array([[0.0, 1.0], [0.5, 0.0]], np.float32), np.array([0, 1, 1, 2]))
    assert by_sentences([(0, 0.4), (1, 0.3), (2, 0.2)], question, between) == [(2, 0.5), (0, 0.4), (1, 0.3)]


def test_dense_ranks_by_nearest_sentences_and_relatedness_stays_the_nearest_chunks(bundled_settings):
    from kotae.facade import Kotae
    from kotae.store import load_index

    kotae = Kotae(load_index(bundled_settings), bundled_settings)
    question = "図書館の館長は誰ですか"
    retriever = kotae.retriever
    vector = retriever.question_vector(question, retriever.query(question))
    chunks = kotae.index.dense.search(vector, len(kotae.index.chunks))
    result = kotae.search(question, mode="dense", top_k=len(kotae.index.chunks))
    expected = by_sentences(chunks, vector, kotae.index.sentences)
    assert [p.chunk_id for p in result.passages] == [kotae.index.chunks[i].id for i, _ in expected]
    assert result.relatedness == max(score for _, score in chunks)


def test_the_answer_leads_with_the_sentence_the_ranker_scores_best(bundled_settings):
    from kotae.answer import Answerer
    from kotae.facade import Kotae
    from kotae.store import load_index
    from kotae.thresholds import Thresholds

    kotae = Kotae(load_index(bundled_settings), bundled_settings, thresholds=Thresholds.never())
    question = "図書館の館長は誰ですか"
    mode, lang, found = kotae.answerer.candidates(question, mode="hybrid")
    assert mode == "hybrid" and lang == "ja" and len(found) > 1
    assert all(c.similarity is not None for _, c in found)
    only_similarity = [0.0] * len(FEATURES)
    only_similarity[FEATURES.index("similarity")] = 5.0
    answerer = Answerer(kotae.retriever, Thresholds.never(), Ranker({"hybrid": {"ja": only_similarity}}))
    first = answerer.ask(question, mode="hybrid").sentences[0]
    most_similar = max(found, key=lambda f: (f[1].similarity, -f[0].citation))[0]
    assert (first.doc_id, first.start) == (most_similar.doc_id, most_similar.start)
    _, _, lexical = kotae.answerer.candidates(question, mode="lexical")
    assert all(c.similarity is None for _, c in lexical)  # no question vector is made in lexical mode


def test_an_answer_encodes_its_question_once_even_without_a_vector_cache(bundled_settings):
    """The sentences' similarity reuses the vector the search was made with: never a second model call."""
    from kotae.build import configured_embedder
    from kotae.facade import Kotae
    from kotae.store import load_index

    embedder = configured_embedder(bundled_settings)
    calls: list[int] = []
    encode = embedder.encode_queries

    def counted(texts, **kwargs):
        calls.append(len(texts))
        return encode(texts, **kwargs)

    embedder.encode_queries = counted
    kotae = Kotae(load_index(bundled_settings), bundled_settings, embedder=embedder, vector_cache=0)
    answer = kotae.ask("When did the library open?", mode="hybrid")
    assert answer.sentences and answer.relatedness is not None
    assert calls == [1]


def test_headings_are_sentences_whole_after_their_list_mark():
    text = ("4. 域外国との関係\n\n●地中海ダイアログ(MD)7か国 (1994年12月～)\n\n"
            "地域の安定を目的に協力。国防改革を支援。\n")
    quoted = [text[u.start:u.end] for u in sentence_units(text)]
    assert quoted == ["4. 域外国との関係", "地中海ダイアログ(MD)7か国 (1994年12月～)",
                      "地域の安定を目的に協力。", "国防改革を支援。"]


def test_a_row_is_read_with_the_line_its_run_of_rows_is_listed_under(tmp_path):
    """A row (㉕ ラトビア(カナダ主導)) says little alone: what it is a row of stands on the line above its run of rows,
    however many rows back, and counts toward its local coverage; a row under another lead line gets none of it.
    A short title (◇ 体育館 (県立)) is part of what each of its rows says, so it counts toward the row's own coverage
    too; a sentence that introduces rows (市内の施設は次のとおり。) is not."""
    from support import lexical_kotae

    kotae = lexical_kotae(tmp_path, {"sites.md": "# 市の施設\n\n◇ 図書館 (市立)\n①\t中央町(南区)\n②\t北町(北区)\n\n"
                                                 "◇ 体育館 (県立)\n③\t東町(東区)\n④\t西町(西区)\n⑤\t港町(港区)\n\n"
                                                 "体育館の予約は次の窓口でできます。\n⑥\t本庁(中区)\n⑦\t支所(港区)\n"})
    _, _, found = kotae.answerer.candidates("港区の体育館はどこ?", mode="lexical")
    by_text = {sentence.text.split("\t")[-1]: candidate for sentence, candidate in found}
    assert by_text["港町(港区)"].row and by_text["港町(港区)"].local == pytest.approx(1.0)
    assert by_text["港町(港区)"].coverage == pytest.approx(1.0)  # 体育館 from its title
    assert by_text["北町(北区)"].local < by_text["港町(港区)"].local  # listed under 図書館
    assert by_text["北町(北区)"].coverage < by_text["港町(港区)"].coverage
    assert by_text["支所(港区)"].local == pytest.approx(1.0)  # the sentence above its rows names 体育館 ...
    assert by_text["支所(港区)"].coverage < 1.0  # ... but titles nothing


def test_a_short_line_without_a_sentence_end_titles_rows():
    from kotae.chunk import heads_rows

    assert heads_rows("海上連合軍") and heads_rows("統合軍司令部、多国籍司令部")
    assert not heads_rows("体育館の予約は次の窓口でできます。")
    assert not heads_rows("北大西洋条約機構の加盟国と各国が加盟した年の一覧表")  # longer than a title
    assert not heads_rows("  ")


def test_a_sentence_naming_only_another_year_than_the_question_is_marked(tmp_path):
    """A question that names a year: a sentence naming a different year (and not the asked one) is marked, one
    naming the asked year or none is not, in Japanese and English questions and in full-width digits alike."""
    from support import lexical_kotae

    text = "# 予算\n\n2024年の達成国は22か国。\n\n２０２３年時点では10か国が達成。\n\n達成国は毎年増えている。\n"
    kotae = lexical_kotae(tmp_path, {"budget.md": text})
    for question in ("2023年に達成した国はいくつ?", "How many countries achieved it in 2023?"):
        _, _, found = kotae.answerer.candidates(question, mode="lexical")
        marked = {sentence.text: candidate.other_year for sentence, candidate in found}
        assert marked == {"2024年の達成国は22か国。": True, "２０２３年時点では10か国が達成。": False,
                          "達成国は毎年増えている。": False}, question
    _, _, found = kotae.answerer.candidates("達成国はいくつ?", mode="lexical")
    assert not any(candidate.other_year for _, candidate in found)  # a question naming no year marks nothing


def test_a_question_asking_when_and_where_types_only_sentences_naming_both(tmp_path):
    from support import build

    from kotae import open as open_kotae
    from kotae.answer_type import also_asked

    assert also_asked("計画はいつどこで署名された?") == ("place",)  # beside the date
    assert also_asked("When and where was the plan signed?") == ("place",)
    assert also_asked("それは何年間の計画?") == ()  # a length of years asks for no date
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plan.md").write_text("# 協力計画\n\n日本とNATOは2013年4月に協力計画への署名を決めた。\n\n"
                                    "協力計画は2014年5月6日にブリュッセルにおいて署名された。\n", encoding="utf-8")
    kotae = open_kotae(settings=build(corpus, tmp_path / "index", lexicon=False, embed_model="none"))

    def typed(question: str) -> dict[str, bool]:
        _, _, found = kotae.answerer.candidates(question)
        return {year: candidate.typed for sentence, candidate in found for year in ("2013", "2014")
                if year in sentence.text}

    assert typed("協力計画はいつ署名された?") == {"2013": True, "2014": True}
    # Where it happened: a place taking で, において (ブリュッセルにおいて), not a country taking part (日本と).
    assert typed("協力計画はいつどこで署名された?") == {"2013": False, "2014": True}


def test_a_list_item_is_read_with_the_short_heading_it_stands_under(tmp_path):
    """A list item (① 「抑止と防衛」…) often says only what the heading over it (3つの中核的任務) is a list of: the
    heading's words count toward each item's own coverage, through the run of items; items after a sentence get
    none of it, and rows keep their own title."""
    from support import lexical_kotae

    kotae = lexical_kotae(tmp_path, {"plan.md": "# 計画\n\n## 三つの中核的任務\n\n- 抑止と防衛\n- 危機予防と管理\n\n"
                                                "市は次の施設を運営している。\n\n- 図書館\n- 体育館\n"})
    _, _, found = kotae.answerer.candidates("中核的任務は何?", mode="lexical")
    by_text = {sentence.text.lstrip("- "): candidate for sentence, candidate in found}
    assert by_text["抑止と防衛"].coverage == pytest.approx(1.0)
    assert by_text["危機予防と管理"].coverage == pytest.approx(1.0)  # the second item too
    assert by_text["図書館"].coverage == 0.0  # under a sentence, not a heading


def test_a_short_line_over_table_rows_is_no_answer_of_its_own(tmp_path):
    """海上連合軍 over 司令部: ノースウッド names what its rows are, as a heading does: the rows are quoted, not the
    title, which says nothing of what is asked."""
    from support import lexical_kotae

    kotae = lexical_kotae(tmp_path, {"sites.md": "# 施設\n\n体育館の利用\n①\t東町(東区)\n②\t西町(西区)\n"})
    _, _, found = kotae.answerer.candidates("体育館はどこ?", mode="lexical")
    quoted = {sentence.text for sentence, _ in found}
    assert "体育館の利用" not in quoted and any("東町" in text for text in quoted)
