"""Short answers in English: dates, numbers with their counters, era years, and names read back from the lexicon,
each rendered only where no guess is needed."""

from __future__ import annotations

import pytest

from kotae.en_names import Names, cased, entities_en, sounds_alike
from kotae.expressions import find_dates, find_numbers
from kotae.lexicon import Candidate, Lexicon
from kotae.numerals import era_year, kanji_value, scaled_value
from kotae.render_en import date_en, number_en
from kotae.spans import Entity, Found


# Every example of the issue that asked for short answers, exactly.
@pytest.mark.parametrize(("ja", "en"), [
    ("2013年4月", "April 2013"),
    ("2013年4月12日", "12 April 2013"),
    ("1949年", "1949"),
    ("令和5年", "2023"),
    ("一月三日", "3 January"),
])
def test_dates_from_the_issue(ja, en):
    assert date_en(ja) == en


@pytest.mark.parametrize(("ja", "en"), [
    ("32か国", "32 countries"),
    ("約335万人", "about 3.35 million people"),
    ("1兆円", "1 trillion yen"),
    ("3万人以上", "at least 30,000 people"),
])
def test_numbers_from_the_issue(ja, en):
    assert number_en(ja) == en


@pytest.mark.parametrize(("ja", "en"), [
    ("2014 年 5 月 6 日", "6 May 2014"),  # a document that spaces its digits out
    ("2013年\t4月", "April 2013"),  # a table row's cells
    ("２０２１年４月１日", "1 April 2021"),  # full-width digits
    ("令和元年5月1日", "1 May 2019"),
    ("平成31年4月30日", "30 April 2019"),
    ("昭和64年1月7日", "7 January 1989"),
    ("二〇二三年", "2023"),
    ("十二月", "December"),
    ("12日", "the 12th"),
    ("2021年9月初旬", "early September 2021"),
    ("2024年末", "the end of 2024"),
    ("2023年7月頃", "around July 2023"),
    ("1990年代初頭", "the early 1990s"),
    ("2024年度", "fiscal year 2024"),
    ("2009.8", "August 2009"),
    ("2025-04-08", "8 April 2025"),
])
def test_dates_in_the_forms_documents_write_them(ja, en):
    assert date_en(ja) == en


@pytest.mark.parametrize("ja", ["令和元年4月", "平成31年5月", "平成32年", "明治3年5月", "2013年13月", "2013年4月32日"])
def test_dates_that_do_not_exist_are_not_rendered(ja):
    """令和 began on 1 May 2019, 平成 ended the day before; months of 明治 before 1873 are lunar."""
    assert date_en(ja) is None


@pytest.mark.parametrize(("ja", "en"), [
    ("12か国", "12 countries"), ("7カ国", "7 countries"), ("18ヶ国", "18 countries"), ("1か国", "1 country"),
    ("50人", "50 people"), ("1人", "1 person"), ("3回", "3 times"), ("1回", "once"), ("2倍", "twice"),
    ("5年間", "5 years"), ("2年", "2 years"), ("10年以内", "within 10 years"), ("3か月", "3 months"),
    ("16分野", "16 fields"), ("8つ", "8"), ("2%", "2%"), ("3割", "30%"), ("約3億円", "about 300 million yen"),
    ("総額50億米ドル", "a total of 5 billion US dollars"), ("計49パラ", "a total of 49 paragraphs"),
    ("約30万冊", "about 300,000 volumes"), ("1,234,567人", "1,234,567 people"), ("第25回", "the 25th"),
    ("3回目", "the 3rd time"), ("第6版", "the 6th edition"), ("数百張", "several hundred"),
    ("数か国", "several countries"), ("三十二か国", "32 countries"),
])
def test_numbers_with_their_counters(ja, en):
    assert number_en(ja) == en


def test_numbers_and_dates_are_found_where_a_sentence_writes_them():
    text = "2024年の対GDP比2%達成国は、22か国(推定)。茶農家120戸が出店し、唯一、駅は12ある。"
    assert [m.text for m in find_dates(text)] == ["2024年"]
    # Counters kotae does not know (戸) are left alone rather than cut off; a bare kanji numeral (唯一) is a word.
    assert [m.text for m in find_numbers(text)] == ["2024年", "2%", "22か国"]
    assert [m.text for m in find_dates("3日間の日程で、2日間")] == []
    # A counter of one kanji that a kanji follows starts a word: a section number before 本計画 is no count.
    assert [m.text for m in find_numbers("4.1 本計画は2本柱で、2%水準へ10年以内に")] == ["2%", "10年以内"]


def test_list_markers_are_no_numbers(analyzer):
    from kotae.spans import find_all

    text = "①\t欧州連合軍司令部: 3か国"
    assert [text[f.start:f.end] for f in find_all(text, analyzer.tokens(text)) if f.kind == "number"] == ["3か国"]


def test_kanji_numerals_scales_and_eras():
    assert (kanji_value("三十二"), kanji_value("千九百四十九"), kanji_value("二〇二三")) == (32, 1949, 2023)
    assert kanji_value("二三十") is None
    assert scaled_value("335万") == 3_350_000 and scaled_value("3億5000万") == 350_000_000
    assert scaled_value("一億二千万") == 120_000_000
    assert (era_year("令和", 5), era_year("平成", 31), era_year("平成", 32), era_year("昭和", 64)) == (2023, 2019, None,
                                                                                                      1989)


# Names: the lexicon read backwards.

def _cand(ja: str, source: str, rank: float) -> Candidate:
    return Candidate(ja, (ja,), source, rank)


LEXICON = Lexicon(entries={
    "brussels": (_cand("ブリュッセル", "jmdict", 1.0),),
    "bruxelles": (_cand("ブリュッセル", "loanword", 1000.0),),  # UniDic's origin, in French
    "estonia": (_cand("エストニア", "loanword", 1000.0),),
    "estonskaya": (_cand("エストニア", "jmnedict", -202.0),),  # does not sound like エストニア
    "naples": (_cand("ナポリ", "jmnedict", -202.0),),
    "napoli": (_cand("ナポリ", "loanword", 1000.0),),
    "new zealand": (_cand("ニュージーランド", "loanword", 1000.0),),
    "zealand": (_cand("ニュージーランド", "jmdict", -29.0),),  # a part of a gloss, not the name
    "lithuania": (_cand("リトアニア", "loanword", 1000.0),),
    "vilnius": (_cand("ビリニュス", "loanword", 1000.0),),
    "salzburg": (_cand("ザルツブルク", "loanword", 1000.0),),
    "kishida": (_cand("岸田", "jmnedict", -200.0),),
    "kishita": (_cand("岸田", "jmnedict", -200.0),),
    "matsuno": (_cand("松野", "jmnedict", -200.0),),
    "wood": (_cand("林", "jmdict", 2.94),),  # a common word, never a person's name
    "chief cabinet secretary": (Candidate("官房長官", ("官房", "長官"), "jmdict", 1.94),),
    "secretary": (Candidate("官房長官", ("官房", "長官"), "jmdict", -28.06),),
    "united kingdom": (_cand("英国", "jmdict", 1.0),),
    "ministry of foreign affairs": (_cand("外務省", "jmdict", 2.94),),
    "norway": (_cand("ノルウェー", "loanword", 1000.0),),
    "netherlands": (_cand("オランダ", "jmdict", 2.96),),
    "olanda": (_cand("オランダ", "jmnedict", -200.0),),
    "prime minister": (Candidate("首相", ("首相",), "jmdict", 2.96),),
}, skeletons={})


@pytest.fixture(scope="module")
def names() -> Names:
    return Names(LEXICON)


def test_the_issue_example_brussels(names):
    assert names.place("ブリュッセル") == "Brussels"  # JMdict's translation, not UniDic's French origin


def test_transliterations_count_only_when_they_sound_like_the_katakana(names):
    assert names.place("エストニア") == "Estonia"
    assert names.place("ナポリ") == "Naples"  # JMnedict's English before the loanword's Italian
    assert names.place("ニュージーランド") == "New Zealand"
    assert names.place("ザルツブルク") == "Salzburg"
    assert sounds_alike("ブリュッセル", "brussels") and not sounds_alike("エストニア", "estonskaya")


def test_a_name_with_several_readings_or_none_is_not_guessed(names):
    assert names.name("岸田") is None  # Kishida or Kishita
    assert names.name("林") is None  # JMdict's "wood" is no name
    assert names.name("ラスムセン") is None
    assert names.name("松野") == "Matsuno"
    assert names.word("官房長官") == "Chief Cabinet Secretary"


def test_cased_keeps_small_words_and_initials():
    assert cased("ministry of foreign affairs") == "Ministry of Foreign Affairs"
    assert cased("washington dc") == "Washington DC"


def test_a_countrys_office_read_as_a_name_and_title_is_the_office_of_the_country(names):
    office = Found("person", 0, 6, 1, (Entity("person", ("オランダ",), "首相"),))
    assert entities_en(office, names) == "Prime Minister of Netherlands"  # not "Prime Minister Olanda"
    assert names.name("オランダ") == "Olanda"  # what the name alone would have given
