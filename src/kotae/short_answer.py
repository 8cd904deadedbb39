"""The short answer: the date, number, place or person a question asks for, as a span of a cited sentence, with its
English where that can be given without guessing.

The span is chosen among the answer's sentences: a span of the kind asked for scores by how closely the question's
words, the rarer the more, stand around it, and by its sentence's place in the answer (the second sentence's spans
count half, the third's a third), so the first sentence naming such a thing wins unless a later one holds it much
closer to the question's words. Before any score come a number counting what the question counts (何か国, how many
years), a person bearing the title the question names (事務総長は誰) and a place marked as the question marks
"where" (どこで → …で). Something the question itself names (the 2024 of "how many in 2024?") is never its answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Any

from kotae.answer_type import without_durations
from kotae.clauses import AT, asks_location, phrase_after, place_role, predicate, subject_verbs, where_case
from kotae.counted import MONEY, SILENT, TIMES, counted_nouns, ordinal
from kotae.en_names import Names, entities_en
from kotae.expressions import (
    COUNTERS,
    asks_end,
    bound,
    date_alone,
    find_dates,
    names_other_year,
    parse_number,
    span_values,
    values,
)
from kotae.render_en import date_en, months_named, number_en
from kotae.spans import (
    ANY_OFFICE,
    BARE,
    Found,
    adds_named,
    country_only,
    find_all,
    label_asked,
    names_country,
    one_holds,
)
from kotae.types import Token

# What answers each kind of question, in groups tried in order (a number of years answers "when" only where no
# sentence gives a date; an organisation answers "who" only where no person or office is named), and within a
# group, how much less likely each is (added to the span's own tier).
ACCEPTS: dict[str, dict[str, tuple[int, int]]] = {
    "date": {"date": (0, 0), "time": (1, 0)},
    "number": {"number": (0, 0), "time": (0, 0), "ordinal": (1, 0)},
    "place": {"place": (0, 0), "value": (0, 0), "org": (1, 0)},
    "person": {"person": (0, 0), "value": (0, 0), "title": (0, 1), "org": (1, 0), "group": (1, 0), "place": (1, 1)},
}
_UNITS = frozenset({"年", "月", "日", "年度"})  # every date has them: they say nothing about which one is asked for
NUMBERS = frozenset({"number", "time", "ordinal"})  # the kinds of span a number expression makes
_ANY_THING = frozenset({"つ", "個"})  # counters of things in general, never of what a question names (パラ, か国, 人)
NEAR = 8  # characters: a question word this far from a span counts half
BASE = 0.1  # the support of a span with none of the question's words around it
# A question asking how long (任期, 期間, どれくらい), not when: a length of time answers it before any date.
_DURATION = (r"どれ(?:くらい|ぐらい|ほど|だけ)|どの(?:くらい|ぐらい)|期間|任期|期限|長さ|何年間|何か月|何ヶ月|何カ月|"
             r"何日間|何時間|何週間|何分間|最長|最短|\bhow long\b|"
             r"\bhow many (?:years|months|weeks|days|hours|minutes)\b|\bthe (?:longest|shortest)\b")
_ASKS_DURATION = re.compile(_DURATION, re.I)
# The most or the least of something (最長4年, 最大で5千人): the number a question asking for the extreme wants is the
# one the sentence marks so, not the usual one beside it (CPEの任期は2年(最長更新4年) for "the longest").
_MOST_JA, _LEAST_JA = "最長|最大|最多|上限", "最短|最小|最少|下限"
_ASKS_MOST = re.compile(rf"{_MOST_JA}|\b(?:longest|maximum)\b", re.I)
_ASKS_LEAST = re.compile(rf"{_LEAST_JA}|\b(?:shortest|minimum)\b", re.I)
_MOST = re.compile(rf"(?:{_MOST_JA})[^\d０-９]{{0,3}}$")  # the mark, then what stands between it and the number
_LEAST = re.compile(rf"(?:{_LEAST_JA})[^\d０-９]{{0,3}}$")
# A question that may ask for a length of time: the same, or a year or day count (何年, how many … years).
_ASKS_TIME = re.compile(rf"{_DURATION}|何年|何日|\b(?:years|months|weeks|days|hours|minutes)\b", re.I)
# A question asking how many: an ordinal (3回目, the third time) never answers it.
_ASKS_COUNT = re.compile(r"\bhow many\b|いくつ|何\s*(?:か国|カ国|ヶ国|人|名|件|個|つ|分野|項目|回(?!目))", re.I)
_ASKS_ORDINAL = re.compile(r"第\s*何|何\s*(?:回|度|番)目|\b(?:which|what) (?:edition|version|round)\b", re.I)
_ASKS_SHARE = re.compile(r"percent|\bshare\b|proportion|\bratio\b|\brate\b|割合|比率|率|何\s*[%％]|何パーセント|何割",
                         re.I)
_ASKS_SEVERAL = re.compile(r"\b(?:which|what)\s+(?:\w+\s+)?(?:countries|nations|states|members|partners|allies|"
                           r"cities|places|regions|areas|locations)\b|\b(?:list|name)\s+(?:the|all)\b", re.I)
# A question asking for a year alone (何年に, in what year), of which a full date answers only the year.
_ASKS_YEAR = re.compile(r"何年(?!度|\s*何月)|\b(?:what|which) year\b", re.I)  # read without_durations
_YEAR_FIRST = re.compile(r"(?:\d{4}|(?:令和|平成|昭和)(?:元|\d{1,2}))年(?=\s*\d{1,2}月)")
# A question asking which body (どの組織, which agency): a body's name answers it before any person's.
_ASKS_BODY = re.compile(r"どの(?:組織|機関|団体|役所|省庁|企業|会社)|(?:組織|機関|団体)(?:は|って)?\s*[?？]?\s*$|"
                        r"\b(?:which|what) (?:\w+ ){0,2}?(?:organi[sz]ations?|agency|agencies|body|bodies|"
                        r"institutions?|compan(?:y|ies))\b", re.I)
# Asked for both (どの国のどの都市, "which city and country"): the city with its country, エストニアのタリン.
_ASKS_COUNTRY = re.compile(r"\b(?:which|what) (?:\w+ )?(?:country|countries|nation|nations)\b|\bwhich ally\b|"
                           r"\b(?:which|what) (?:city|town) and (?:country|nation)\b|"
                           r"(?:どの|どこの|何という)国(?!際)|国はどこ|国名", re.I)
_ASKS_CITY = re.compile(r"\b(?:which|what) (?:city|town)\b|\b(?:which|what) (?:country|nation) and (?:city|town)\b|"
                        r"(?:どの|どこの|何という)(?:都市|町|市)|都市はどこ|都市名", re.I)


@dataclass(frozen=True)
class ShortAnswer:
    """The asked-for item as a span of a cited sentence: `document.text[start:end] == text`."""

    text: str
    doc_id: str
    start: int
    end: int
    kind: str  # what the question asked for: "date", "number", "place" or "person"
    en: str | None = None  # the item in English, for English questions, when it can be said without guessing
    described: bool = False  # the item is what the question describes (the date of its verb, a count of its noun)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "en": self.en, "kind": self.kind, "doc_id": self.doc_id, "start": self.start,
                "end": self.end}

    @property
    def display(self) -> str:
        """How an answer's text leads with it: the English first when there is some (April 2013 (2013年4月))."""
        return f"{self.en} ({self.text})" if self.en else self.text


@dataclass(frozen=True)
class Question:
    """What the choice needs of a question: the kind it asks for, its text (for its numbers), its terms (an English
    question's as translated), and its own English words by the Japanese they translate to."""

    kind: str | None
    text: str
    weights: Mapping[str, float] | None = None  # each of its terms by how much it says (its IDF)
    asked: Mapping[str, str] | None = None
    lang: str = "ja"
    # A follow-up's own terms (its words' Japanese): where a sentence holds one, its item stands there ("Where is its
    # headquarters?": by 本部 or 司令部, not in the sentence the question before it was answered by). Empty: any.
    own: frozenset[str] = frozenset()
    earlier: str = ""  # what the answer before a follow-up named first: no answer to it (12か国, then 今の加盟国は?)

    @cached_property
    def telling(self) -> dict[str, float]:
        """The weights of the terms that tell one span from another: not numbers, nor the units every date has."""
        return {t: w for t, w in (self.weights or {}).items() if not t.isdigit() and t not in _UNITS}


def short_answer(question: Question, sentences: Sequence[Any], tokens: Sequence[Sequence[Token]],
                 names: Names | None = None) -> ShortAnswer | None:
    """The short answer among `sentences` (each with text, doc_id, start, end; `tokens` analysed from each text),
    or None when the question asks for no such item or no sentence names one."""
    a = _asks(question.kind, question.text, question.lang)
    if a is None:
        return None
    weights = question.telling
    terms = weights.keys()
    titles = {t for t in terms if (question.asked or {}).get(t) not in ANY_OFFICE}  # "leader" asks no office (総理)
    ranked: list[tuple[tuple[float, ...], int, Found, bool, bool]] = []
    echoed: set[int] = set()  # sentences giving a month the question names whole (the day in April 2013 asked)
    accepted: list[tuple[int, Found]] = []  # every span that may answer, with its sentence
    holding = [bool(question.own & {t.term for t in toks}) for toks in tokens] if question.own else []
    earlier = unicodedata.normalize("NFKC", question.earlier)
    for n, (sentence, toks) in enumerate(zip(sentences, tokens)):
        if any(holding) and not holding[n]:
            continue
        for found in _found(sentence.text, tuple(toks)):
            if found.kind not in a.accepts or (found.link == "list" and not a.several) or (
                    earlier and unicodedata.normalize("NFKC", sentence.text[found.start:found.end]) == earlier) or (
                    a.ends and found.kind == "date" and bound(sentence.text, found.end) == "start"):
                continue
            if found.kind in ("title", "org", "group") and sentence.text[found.start:found.end] in BARE:
                continue  # 首相, 本部 alone: the prime minister of where?
            if a.asks_city and found.kind == "place" and country_only(found, toks):
                continue  # "which city": not スペイン
            if a.asks_country and not a.asks_city and found.kind == "place" and (
                    found.link == "of" or not names_country(found, toks)):
                continue  # "which country": not ビリニュス, nor リトアニアのビリニュス (リトアニア is found alone)
            named = _named_by_question(found, sentence.text, toks, terms,
                                       a.counts if found.kind in NUMBERS else a.numbers)
            # The parts of a date the question names too: the month repeated (named whole), or the day within it.
            month = found.kind == "date" and len(span_values(sentence.text[found.start:found.end], "date")
                                                 & a.numbers) > 1
            if month and named == 2:
                echoed.add(n)
            if named == 2 or (found.kind == "value" and not label_asked(found, toks, terms)):
                continue
            matches = _matches(found, sentence.text, toks, terms, a.counted, a.uncounted, a.case, titles)
            if matches < 0:
                continue
            if a.extreme is not None and found.kind in NUMBERS and (  # 最長更新4年, or 最短1年 with the mark inside
                    a.extreme.search(sentence.text, 0, found.start)
                    or a.extreme.search(sentence.text[:found.start + 2])):
                matches += 1
            if a.ends and found.kind == "date" and bound(sentence.text, found.end) == "end":
                matches += 1  # 任期は2028年9月まで, asked until when
            role = place_role(sentence.text, found.end) if a.locating and found.kind == "place" else 0
            if role == 2:
                continue  # "where": not ロシア of ロシアによる侵略
            group, extra = a.accepts[found.kind]
            # A place inside a longer name (京都議定書), unless the name is of what is asked (横須賀基地, asked which
            # base), or one the sentence does not put anything in (ロシアの動向).
            if found.kind == "place" and (role or (found.tier and not any(
                    t.start == found.end and t.term in terms for t in toks))):
                group += 1
            if found.kind == "org" and a.locating and a.case in ((), AT) and sentence.text.startswith(AT, found.end):
                group, extra, matches = 0, 0, int(bool(a.case))  # 防衛省で: its building, asked どこで or "where"
            score = _support(found, toks, weights) / 4**extra / 2 ** (found.tier + named)
            # The sentence first: the ranker put first the sentence that answers; within it, what the question
            # describes (the date of the verb it names, a number of what it counts) before what merely stands near
            # its words. The longer of two spans at one place.
            key = (group, n, -matches, role, -score, found.start - found.end, found.start)
            ranked.append((key, n, found, matches > 0, month))  # month: within the month named (13 April 2013)
            accepted.append((n, found))
    # Where a sentence repeats the month the question names, that sentence is the one about what is asked: a date
    # answers only from it, or within that month (another sentence's 2014年 is not the day in April 2013 asked for).
    best = min((r for r in ranked if not echoed or r[1] in echoed or r[4]), key=lambda r: r[0], default=None)
    if best is None:
        return None
    _, n, found, described, _ = best
    # The whole of what the span is part of: オーストリアのザルツブルク for オーストリア, both offices of "AとB",
    # unless the rest names a person or place the question names (フランスとドイツ, asked about ドイツ).
    wholes = [f for m, f in accepted if m == n and f.link and f.start <= found.start and found.end <= f.end
              and not adds_named(f, found, tokens[n], terms)]
    found = max(wholes, key=lambda f: f.end - f.start, default=found)
    sentence = sentences[n]
    year = _YEAR_FIRST.match(sentence.text, found.start, found.end) if found.kind == "date" else None
    if year and _ASKS_YEAR.search(without_durations(a.asked)):
        found = replace(found, end=year.end())  # 1949年4月4日 answers "in what year" with 1949年
    text = sentence.text[found.start:found.end]
    en = render(found, text, names, question.asked) if question.lang == "en" else None
    return ShortAnswer(text=text, doc_id=sentence.doc_id, start=sentence.start + found.start,
                       end=sentence.start + found.end, kind=question.kind or "", en=en, described=described)


@dataclass(frozen=True)
class _Asks:
    """What a question asks for, read once for every sentence it is looked for in (see short_answer)."""

    accepts: Mapping[str, tuple[int, int]]
    asked: str  # the question, NFKC
    ends: bool
    numbers: frozenset[float]
    counts: frozenset[float]
    counted: frozenset[str]
    uncounted: frozenset[str]
    several: bool
    asks_city: bool
    asks_country: bool
    case: tuple[str, ...]
    locating: bool
    extreme: re.Pattern[str] | None


@lru_cache(maxsize=1024)
def _asks(kind: str | None, text: str, lang: str) -> _Asks | None:
    """What a question of `kind` asks for (None: no short answer), remembered: it is asked for every candidate
    sentence of an answer."""
    accepts = ACCEPTS.get(kind or "")
    if not accepts:
        return None
    asked = unicodedata.normalize("NFKC", text)
    if kind == "date" and _ASKS_DURATION.search(asked):  # 任期は何年: a length of time, not a date
        accepts = {"time": (0, 0), "date": (1, 0)}
    if kind == "person" and _ASKS_BODY.search(asked):
        accepts = {**accepts, "org": (0, 0), "person": (1, 0), "title": (1, 1)}
    if _ASKS_ORDINAL.search(asked):  # which edition, 第何回: the ordinal first
        accepts = {"ordinal": (0, 0), "number": (1, 0), "time": (1, 0)}
    if _ASKS_COUNT.search(asked) or _ASKS_DURATION.search(asked):  # how many, how long: never the third time
        accepts = {kind: rank for kind, rank in accepts.items() if kind != "ordinal"}
    ends = kind == "date" and asks_end(asked)  # until when: not a date something began on
    numbers = values(text) | months_named(text)  # what a date the question names says
    # A count the question names is no answer; the parts of a date it names (2025年4月) are no count (4回目).
    counts = values(_without_dates(text))
    asks_share = _ASKS_SHARE.search(asked)
    counted = counted_nouns(text) | ({"%"} if asks_share else set())
    # いくつ, how many concepts: a count of things, never a length of time, unless the question asks how long.
    asks_time = _ASKS_TIME.search(asked)
    uncounted = TIMES if not counted and kind == "number" and not asks_time else frozenset()
    if kind == "number" and not asks_share:
        uncounted |= {"%"}  # how many allies: a count, never a percentage (20%)
    # A list of places answers a question that may ask for several: a Japanese one (which does not say how many),
    # or an English one asking for countries, not a country.
    several = lang != "en" or bool(_ASKS_SEVERAL.search(asked))
    asks_city, asks_country = bool(_ASKS_CITY.search(asked)), bool(_ASKS_COUNTRY.search(asked))
    case = where_case(asked)
    locating = bool(case) or asks_location(asked)
    extreme = _MOST if _ASKS_MOST.search(asked) else _LEAST if _ASKS_LEAST.search(asked) else None
    return _Asks(accepts, asked, ends, frozenset(numbers), frozenset(counts), frozenset(counted),
                 frozenset(uncounted), several, asks_city, asks_country, tuple(case), locating, extreme)


def answer_order(sentences: Sequence[Any], tokens: Sequence[Sequence[Token]], years: Collection[str] = ()
                 ) -> tuple[list[Any], list[Sequence[Token]]]:
    """The sentences (and their tokens) in the order a short answer is looked for: after the rest, a sentence that
    names a year but none of the question's `years` (2024年の達成国は22か国 for "in 2023"), then a line that is a
    date alone (令和7年5月, its document's date), each answering only where no sentence before it does."""
    order = sorted(range(len(sentences)), key=lambda i: (date_alone(sentences[i].text),
                                                         bool(years) and names_other_year(sentences[i].text, years)))
    return [sentences[i] for i in order], [tokens[i] for i in order]


def offices(text: str, tokens: Sequence[Token]) -> set[str]:
    """The offices a text names, alone (司令官) or as a person's title (ルッテ事務総長 → 事務総長)."""
    out = set()
    for found in _found(text, tuple(tokens)):
        for entity in found.entities:
            if entity.role == "title":
                out.add(entity.words[0])
            elif entity.role == "person" and entity.title:
                out.add(entity.title)
    return out


_FOUND: dict[str, tuple[tuple[Token, ...], tuple[Found, ...]]] = {}  # see _found
FOUND_REMEMBERED = 8192  # sentences


def _found(text: str, tokens: tuple[Token, ...]) -> tuple[Found, ...]:
    """What a sentence names, whatever the question: found once per sentence, however many questions cite it.
    Remembered by text, with the tokens it was found in, which a reader passes again as the same objects, so that
    the check costs no hashing of them (lru_cache's key would hash every token for every candidate sentence)."""
    known = _FOUND.get(text)
    if known is not None and (known[0] is tokens or known[0] == tokens):
        return known[1]
    found = tuple(find_all(text, tokens))
    if len(_FOUND) >= FOUND_REMEMBERED:
        _FOUND.clear()
    _FOUND[text] = (tokens, found)
    return found


def render(found: Found, text: str, names: Names | None, asked: Mapping[str, str] | None = None) -> str | None:
    """The span in English, or None when it cannot be said without guessing."""
    if found.kind == "date":
        return date_en(text)
    if found.kind in NUMBERS:
        return number_en(text)
    return entities_en(found, names, asked) if names is not None else None


def _without_dates(question: str) -> str:
    """The question (NFKC) with its dates left out."""
    norm = unicodedata.normalize("NFKC", question)
    for date in sorted(find_dates(norm), key=lambda d: -d.start):
        norm = norm[:date.start] + " " + norm[date.end:]
    return norm


def _matches(found: Found, text: str, tokens: Sequence[Token], terms: Collection[str], counted: Collection[str],
             uncounted: Collection[str], case: Sequence[str], titles: Collection[str]) -> int:
    """1 when the span is what the question describes: a number of what it counts, a person with the title it
    names (among `titles`) or the subject of the verb it names, a place marked as the question marks "where"; -1
    for a number of something other than it counts, or what it cannot be counting (`uncounted`), or two people."""
    if found.kind in NUMBERS:
        expr = parse_number(unicodedata.normalize("NFKC", text[found.start:found.end]))
        counter = expr.counter if expr else ""
        noun = COUNTERS.get(counter, ("", ""))[1] or (counter if counter in SILENT else "")  # 数百張 counts 張
        if noun in uncounted or (counted and noun and noun not in counted and noun != "%"):
            return -1  # it counts something other than the question does: volumes for "how many visitors"
        if counted and expr and (expr.counter in _ANY_THING or ordinal(expr, counted)):
            return -1  # 8つ for "how many paragraphs" (つ counts anything), 第10条 for "how many articles" (says which)
        if counted and counted <= MONEY and noun not in counted:
            return -1  # 数百張 for "how much money": only a sum of money answers
        return int(noun in counted)
    if found.kind == "date":  # the date of the verb the question names, or of what it names (2020年12月の会合)
        return int(predicate(text, tokens, found.end) in terms or (
            text.startswith("の", found.end) and any(t.term in terms for t in phrase_after(text, tokens, found.end))))
    if found.kind == "place":
        return int(bool(case) and text.startswith(tuple(case), found.end))
    if found.kind == "person":
        if found.link == "and" and one_holds(found, titles):
            return -1  # 岸田総理とストルテンベルグ事務総長, asked who the secretary general was: only one of them is
        titled = [e for e in found.entities if e.title]
        return int(any(t.term in titles and t.surface in e.title for e in titled for t in tokens
                       if found.start <= t.start and t.end <= found.end)
                   or bool(subject_verbs(text, tokens, found.end) & set(terms)))
    return 0


def _named_by_question(found: Found, text: str, tokens: Sequence[Token], terms: Collection[str],
                       numbers: Collection[float]) -> int:
    """2 when the question itself names all of the span, 1 when part of it, else 0; a person's title is no part of
    their name."""
    if found.kind == "date" or found.kind in NUMBERS:
        mine = span_values(text[found.start:found.end], found.kind)
        shared = mine & set(numbers)
    else:
        inside = [t for t in tokens if found.start <= t.start and t.end <= found.end]
        titles = "".join(e.title for e in found.entities)
        mine = {t.term for t in inside if not (found.kind == "person" and t.surface in titles)}
        shared = mine & set(terms)
    if not mine or not shared:
        return 0
    return 2 if shared == mine else 1


def _support(found: Found, tokens: Sequence[Token], weights: Mapping[str, float]) -> float:
    """How strongly the question's words stand around the span: each word's weight, counting half NEAR characters
    away and a third twice as far; a little for a sentence without any of them."""
    near: dict[str, float] = {}
    for t in tokens:
        if t.term in weights and (t.end <= found.start or t.start >= found.end):
            gap = max(found.start - t.end, t.start - found.end, 0)
            near[t.term] = max(near.get(t.term, 0.0), weights[t.term] / (1 + gap / NEAR))
    return BASE + sum(near.values())
