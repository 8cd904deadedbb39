"""What kind of answer a question expects (a place, a date, a person, a number), and where such answers are.

Words that share a sentence with a place, date, person or number are also indexed in typed form, and a
question asking "where" searches the place-typed forms of its words, so BM25 prefers passages that can
actually answer it ("NATOの本部はどこ" → the sentence naming the city).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from kotae.expressions import COUNTERS
from kotae.language import detect_language
from kotae.types import Token

_DATE_UNITS = frozenset({"年", "月", "日", "年度"})

# Nouns that say what a "which …" question or an elliptical Japanese one (…した国は?) asks for.
_EN_PEOPLE = (r"person|people|official|officials|minister|ministers|leader|leaders|president|secretary|politician|"
              r"diplomat|ambassador|organi[sz]ation|organi[sz]ations|agency|body|ministry|institution|department|company")
_EN_PLACES = r"city|cities|country|countries|nation|nations|town|place|region|state|capital|venue|location|base|bases"
# Words that also make names (Operation Ocean Shield) or relative clauses (in which allies pledged): a place only
# right after which/what.
_EN_PLACES_RIGHT_AFTER = r"sea|seas|ocean|river|lake|island|islands|port|province|prefecture|continent|ally"
_JA_PEOPLE = "人|人物|人たち|総理|首相|大臣|大統領|首脳|長官|代表|担当者|責任者|組織|機関|団体"
# Offices whose holder's name a question may ask for (専任大使の名前は, the name of the ambassador).
_JA_OFFICES = "大使|事務総長|首相|総理|大臣|長官|司令官|大統領|代表|館長|議長"
_EN_OFFICES = (r"ambassadors?|secretar(?:y|ies)|ministers?|presidents?|commanders?|chiefs?|heads?|leaders?|"
               r"directors?|chairs?")
# Up to two words between "which" and the noun it asks about (which government official), none of them a verb
# (What does the organisation do? asks what it does, not for an organisation).
_QUALIFIERS = (r"(?:(?!(?:is|are|was|were|do|does|did|has|have|had|will|would|can|could|should|may|might|must)\b)"
               r"\w+ ){0,2}?")
_JA_PLACES = "国|都市|町|市|地域|場所|開催地|所在地|本拠地|首都|基地"
# 何 with a counter asks how many (何か国, 何頭, and with a multiplier between them 何億円, 何十か国); 何年, 何月 and
# 何日 ask when (see the date pattern), except where 何年 is a length of time (何年間, 何年交代, 何年ごと), as it is
# right before a verb (何年担当する, 何年務める, 何年続く, 何年かかる) where a year would take に, から or まで; not
# before the kanji that make it a point in time again (何年何月, 何年度, 何年前, 何年頃, 何年代, 何年生).
_DURATION_YEARS = re.compile(r"何年(?:間|交代|ごと|毎|おき|ぶり|以内|目|(?=(?![月度前後頃代生何])[\u4e00-\u9fff]|"
                             r"かか|掛か|たつ|たっ|経つ|経っ|つづ))")
_JA_COUNTERS = "|".join(re.escape(c) for c in sorted(set(COUNTERS) - {"年"}, key=len, reverse=True))
_END = r"(?:は|って)\s*[?？]?\s*$"  # an elliptical question: the thing asked for, then は and a question mark
# Nouns that name an amount: "what is the combined military expenditure (of …)?", 予算の総額は? ask for a number
# when the amount is what the question ends on or what its "of" phrase hangs from (not "what is the budget process").
_EN_AMOUNTS = (r"amount|total|sum|budget|cost|costs|expenditure|spending|population|headcount|price|figure|"
               r"turnover|revenue|income")
_JA_AMOUNTS = "総額|金額|額|予算|費用|人口|人数|総数|件数|価格|規模"

# Japanese nouns that name the kind of answer asked for (場所, 人物, 時期) rather than what it is about.
TYPE_NOUNS = frozenset(f"{_JA_PEOPLE}|{_JA_PLACES}|{_JA_AMOUNTS}|時期|時間|日付|年月|日時|名前|名称".split("|"))

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("number", re.compile(rf"何[十百千万億兆]*(?:{_JA_COUNTERS})|{_DURATION_YEARS.pattern}|"
                          r"いくつ|いくら|何割|何度目|どれくらい|どのくらい|どれぐらい|"
                          r"どのぐらい|どれほど|どれだけ|\bhow (?:many|much|large|big|long|old)\b|"
                          r"what (?:percentage|share|proportion)\b|\bnumber of\b|"
                          r"\b(?:which|what) (?:edition|version|round)\b|"
                          r"\bthe (?:longest|shortest)(?= (?:an?|the|one|anyone|you|it|they|time|period|term)\b)|"
                          rf"\bwhat (?:is|was|are|were) (?:\w+ ){{1,4}}?(?:{_EN_AMOUNTS})"
                          r"(?= (?:of|for|in|at|on)\b|\s*[?.,]|\s*$)|"
                          rf"(?:{_JA_AMOUNTS}){_END}",
                          re.I)),
    ("date", re.compile(r"いつ|何年|何月|何日|時期|日付|年月|\bwhen\b|\b(?:what|which) (?:exact |precise |calendar )?"
                        r"(?:year|month|date|day)s?\b", re.I)),
    ("person", re.compile(rf"誰|だれ|何者|どなた|どんな人|どういう人|どの(?:人|組織|機関|団体|役所|省庁|企業|会社)|"
                          rf"(?:{_JA_OFFICES})(?:の|って)?(?:名前|氏名)|何という(?:名前の)?人|"
                          rf"\bname of (?:[\w'’-]+ ){{0,4}}?(?:{_EN_OFFICES})\b|"
                          rf"(?:{_JA_PEOPLE}){_END}|\bwho(?:m|se)?\b|"
                          rf"\b(?:which|what) {_QUALIFIERS}(?:{_EN_PEOPLE})\b", re.I)),
    ("place", re.compile(rf"どこ|何処|どちら|場所|所在|どの(?:国|都市|町|市|地域|州|県)|開催地|(?:{_JA_PLACES}){_END}|"
                         rf"\bwhere\b|located|\b(?:which|what) {_QUALIFIERS}(?:{_EN_PLACES})\b|"
                         rf"\b(?:which|what) (?-i:{_EN_PLACES_RIGHT_AFTER})\b", re.I)),
)


# "Who is Mark Rutte?" asks what a named person is, not for a person: no item answers it. A capitalised name, without
# an office's word or a possessive (Who is NATO's Secretary General? asks for a person).
_WHO_IS_NAMED = re.compile(r"(?i:who (?:is|was)) (?!(?i:.*(?:'s\b|\b(?:secretary|general|minister|president|chair|"
                           r"ambassador|commander|head|director|leader|chief|king|queen)\b)))(?:[A-Z][\w.'-]*\s*){1,4}\??")


# "When he came to Japan, which base did he visit?": a clause that sets the time of what is asked, not a question
# about when (an auxiliary after "when" makes it one: "When was it signed, and where?").
_WHEN_CLAUSE = re.compile(r"^\s*when\b(?!\s+(?:was|were|is|are|did|do|does|will|has|have|had|can|could|should|would)\b)"
                          r"[^,?]*,\s*(?=.*\b(?:what|which|who|whom|whose|where|how)\b)", re.I)


# "What did Japan fly in when NATO coordinated the flights?": a bare "when" after other words of asking sets the time
# of what they ask, as a leading when clause does; unless what they ask is itself a time (what was the date when…).
_LATER_WHEN = re.compile(r"^\W*(?:what|which|who|whom|whose|where|why|how)\b(?![^?]*\b(?:date|year|month|day|time)s?\b)"
                         r"[^?]*?\bwhen\b", re.I)


def _asking(question: str) -> str:
    """The question as its words of asking are read: without a leading "when" clause that only sets a time."""
    return _WHEN_CLAUSE.sub("", unicodedata.normalize("NFKC", question), count=1)


def expected_type(question: str) -> str | None:
    """The entity type a question asks for, or None for other questions (what, why, how, who is <name>)."""
    text = _asking(question)
    if _WHO_IS_NAMED.fullmatch(text.strip()):
        return None
    found = [(match.start(), order, kind) for order, (kind, pattern) in enumerate(_PATTERNS)
             if (match := pattern.search(text)) and not (match.group().lower() == "when" and _LATER_WHEN.match(text))]
    if not found:
        return None
    # English asks first and qualifies after: "Which country was he visiting when he met her?" asks for a place, so
    # the earliest words of asking decide. Japanese puts them anywhere, so its patterns go by precedence.
    return min(found)[2] if detect_language(text) == "en" else min(found, key=lambda f: f[1])[2]


def also_asked(question: str) -> tuple[str, ...]:
    """The entity types a question asks for beside the one `expected_type` gives: いつどこで, "when and where" ask
    for a place beside a date. 何年 inside a length of time (何年間) asks for no date."""
    kind = expected_type(question)
    if kind is None:
        return ()
    text = without_durations(_asking(question))
    return tuple(other for other, pattern in _PATTERNS if other != kind and pattern.search(text))


def without_durations(text: str) -> str:
    """The text without its lengths of years (何年間, 何年ごと), whose 何年 asks for no date."""
    return _DURATION_YEARS.sub("", text)


def entity_types(tokens: Sequence[Token]) -> set[str]:
    """The entity types named in `tokens`; a number followed by 年/月/日 is a date."""
    kinds = {t.entity for t in tokens if t.entity}
    if any(t.entity == "number" and n.term in _DATE_UNITS for t, n in zip(tokens, tokens[1:])):
        kinds.add("date")
    return kinds


def typed_terms(tokens: Sequence[Token], spans: Iterable[tuple[int, int]]) -> list[str]:
    """For each span (a sentence, a row) naming an entity of type T, the term `[T]w` for each word w in it.

    So a question asking "where" for 本部 matches 本部 strongly only where a place is named in the same
    sentence: co-occurrence at sentence level, expressed as ordinary BM25 terms.
    """
    out: list[str] = []
    for start, end in spans:
        inside = [t for t in tokens if start <= t.start and t.end <= end]
        words = [t.term for t in inside if not t.entity and t.term not in _DATE_UNITS]
        for kind in sorted(entity_types(inside)):
            out.extend(f"[{kind}]{w}" for w in words)
    return out

