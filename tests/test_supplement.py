"""English→Japanese pairs beside the dictionary: the bundled supplement and a user's own file."""

from __future__ import annotations

import pytest
from support import build, make_settings

from kotae.errors import ConfigError, StaleIndexError
from kotae.lexicon import build_lexicon
from kotae.store import load_index
from kotae.supplement import bundled, read_pairs
from kotae.types import Document


def test_a_supplement_is_pairs_with_comments_and_blank_lines_ignored(tmp_path):
    path = tmp_path / "extra.tsv"
    path.write_text("# mine\n\nfocus area\t重点分野\n  ITPP \t 国別適合パートナーシップ計画 \n", encoding="utf-8")
    assert read_pairs(path) == [("focus area", "重点分野"), ("ITPP", "国別適合パートナーシップ計画")]
    assert ("area", "分野") in read_pairs(bundled())  # JMdict glosses 分野 field, sphere, realm, division, branch


@pytest.mark.parametrize("line", ["area 分野", "area\t", "\t分野", "a\tb\tc"])
def test_a_line_that_is_not_a_pair_is_refused_with_its_number(tmp_path, line):
    path = tmp_path / "extra.tsv"
    path.write_text(f"# mine\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="extra.tsv, line 2"):
        read_pairs(path)


def test_a_missing_supplement_is_a_one_line_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot be read"):
        read_pairs(tmp_path / "nowhere.tsv")


def test_a_pair_ranks_below_the_dictionarys_first_rendering_or_alone(analyzer):
    text = "協力分野は16分野。地域の安定。連絡官を任命。"
    docs = [Document(id="d", title="t", text=text)]
    vocab = {t: n for n, t in enumerate(analyzer.terms(text))}
    pairs = [("area", "分野"), ("liaison officer", "連絡官"), ("budget line", "予算")]  # 予算: not in the documents
    lexicon, notes = build_lexicon(docs, analyzer, vocab, supplement=pairs)
    if notes:
        pytest.skip(notes[0])
    area = lexicon.lookup(["area"])
    assert [c.ja for c in area][:2] == ["地域", "分野"] and area[1].source == "supplement"  # JMdict: area → 地域 first
    assert [c.ja for c in lexicon.lookup(["liaison", "officer"])] == ["連絡官"]
    assert not lexicon.lookup(["budget", "line"])
    plain, _ = build_lexicon(docs, analyzer, vocab, dictionary=False, supplement=pairs)
    assert [c.ja for c in plain.lookup(["area"])] == ["分野"]


def _bundled_lexicon(analyzer, text: str, *, dictionary: bool = True):
    """The lexicon of a one-document corpus of `text` with the bundled supplement; skipped without JMdict where the
    test compares the pairs with its renderings (`dictionary`)."""
    docs = [Document(id="d", title="t", text=text)]
    vocab = {t: n for n, t in enumerate(analyzer.terms(text))}
    lexicon, notes = build_lexicon(docs, analyzer, vocab, supplement=read_pairs(bundled()))
    if notes and dictionary:
        pytest.skip(notes[0])
    return lexicon


def test_the_bundled_pairs_reach_the_verbs_news_reports_speech_and_thanks_with(analyzer):
    text = "事務総長は「日本の支援に感謝している」と述べ、連携の重要性を強調した。会合は議長国が運営した。"
    lexicon = _bundled_lexicon(analyzer, text, dictionary=False)
    for english, japanese in (("said", "述べる"), ("grateful", "感謝"), ("emphasised", "強調"), ("presided", "議長")):
        assert japanese in [c.ja for c in lexicon.lookup([english])], english


def test_the_bundled_pairs_reach_the_words_of_military_operations(analyzer):
    text = "地中海での対テロ作戦。5条の集団防衛規定に基づき開始。"
    lexicon = _bundled_lexicon(analyzer, text)
    for english, japanese in (("operation", "作戦"), ("launched", "開始"), ("basis", "基づく"), ("collective", "集団")):
        assert [c.ja for c in lexicon.lookup([english])].index(japanese) <= 1, english  # first or second


def test_an_english_question_reaches_a_word_only_a_users_pair_gives(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("# 計画\n\n重点分野として防災を挙げた。\n", encoding="utf-8")
    (corpus / "b.md").write_text("# 交流\n\n市民の交流を進めた。\n", encoding="utf-8")
    extra = tmp_path / "extra.tsv"
    extra.write_text("disaster prevention\t防災\n", encoding="utf-8")
    settings = build(corpus, tmp_path / "index", embed_model="none", lexicon_extra=extra)
    from kotae.facade import Kotae

    k = Kotae(load_index(settings), settings)
    assert k.search("What about disaster prevention?", mode="lexical").passages[0].doc_id == "a"
    extra.write_text("disaster prevention\t防災\nexchange\t交流\n", encoding="utf-8")  # edited: rebuild
    with pytest.raises(StaleIndexError, match="kotae index"):
        load_index(settings)
    from kotae.store import check_fresh, read_manifest

    without = make_settings(corpus, tmp_path / "index", embed_model="none")  # no longer given: a rebuild drops it
    with pytest.raises(StaleIndexError, match="lexicon_extra"):
        check_fresh(read_manifest(without.index.index_dir), without, check_corpus=False)


def test_the_cli_says_in_one_line_which_line_of_a_users_file_is_wrong(tmp_path, small_corpus, capsys):
    from kotae.cli import main

    bad = tmp_path / "extra.tsv"
    bad.write_text("area 分野\n", encoding="utf-8")
    code = main(["index", "--corpus", str(small_corpus), "--out", str(tmp_path / "index"), "--model", "none",
                 "--lexicon-extra", str(bad), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and err == [f"kotae: {bad}, line 1: write one English word or phrase, a tab, and its Japanese."]


def test_a_change_to_how_the_lexicon_is_built_makes_an_index_stale_for_rebuilding_only(tmp_path, small_corpus,
                                                                                         monkeypatch):
    """New bundled pairs or new lexicon rules in a release: `kotae index --if-stale` rebuilds (strict), while a
    server keeps serving the index it has; an index built without the lexicon records none."""
    import kotae.lexicon
    from kotae.store import check_fresh, read_manifest

    settings = build(small_corpus, tmp_path / "index", embed_model="none")
    manifest = read_manifest(settings.index.index_dir)
    assert manifest.settings["lexicon_rules"] == kotae.lexicon.rules()
    check_fresh(manifest, settings, check_corpus=False)
    kotae.lexicon.rules.cache_clear()
    monkeypatch.setattr(kotae.lexicon, "RULES", kotae.lexicon.RULES + 1)
    try:
        with pytest.raises(StaleIndexError, match="lexicon_rules"):
            check_fresh(manifest, settings, check_corpus=False)
        check_fresh(manifest, settings, check_corpus=False, strict=False)
    finally:
        kotae.lexicon.rules.cache_clear()
    plain = build(small_corpus, tmp_path / "plain", embed_model="none", lexicon=False)
    assert read_manifest(plain.index.index_dir).settings["lexicon_rules"] is None


def test_opening_a_mission_reaches_its_establishment_before_a_meeting_held(analyzer):
    text = "2025年1月に代表部を開設した。会合は東京で開催された。窓を開く。"
    lexicon = _bundled_lexicon(analyzer, text)
    renderings = [c.ja for c in lexicon.lookup(["open"])]
    assert renderings.index("開設") <= 1 and renderings.index("開設") < renderings.index("開催")


def test_the_head_of_an_organisation_reaches_its_secretary_general(analyzer):
    text = "ルッテ事務総長は首脳会合で演説した。"
    lexicon = _bundled_lexicon(analyzer, text)
    for english in (["head"], ["chief"], ["boss"], ["leader"], ["top", "position"]):  # トップ: "top position"
        assert [c.ja for c in lexicon.lookup(english)].index("事務総長") <= 1, english  # first or second


def test_a_founding_member_reaches_the_original_member_states(analyzer):
    text = "1949年の原加盟国はベルギー、カナダなど12か国。設立時のメンバーは多い。"
    lexicon = _bundled_lexicon(analyzer, text)
    for english in (["founding", "member"], ["founder", "member"], ["original", "member"], ["charter", "member"]):
        assert [c.ja for c in lexicon.lookup(english)][0] == "原加盟国", english


def test_soldiers_reach_the_armed_forces_they_make_up(analyzer):
    text = "加盟国軍隊の合計は約335万人。兵力を増強する。"
    lexicon = _bundled_lexicon(analyzer, text)
    assert {"軍隊", "兵力"} <= {c.ja for c in lexicon.lookup(["soldiers"])}  # JMdict's 兵士, 兵隊, 軍人 are not used
