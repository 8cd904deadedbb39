"""The things a sentence names that a question may ask for: dates, numbers with their counters, places, people
with their titles, offices and organisations, each as a span of the sentence.

Dates and numbers are read from the text (see expressions); places and people from MeCab's tokens, whose
UniDic entity marks say which words are names.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from kotae.analyze import normalize_with_map
from kotae.expressions import find_dates, find_numbers, parse_number
from kotae.katakana import is_katakana
from kotae.types import Token

# Words written after a place name that belong to it (松本市, 太平洋).
PLACE_SUFFIXES = frozenset({"市", "県", "州", "国", "島", "町", "村", "区", "都", "府", "郡", "洋", "海", "湾", "半島",
                            "諸島", "地方"})
_DIRECTIONS = frozenset({"北", "南", "東", "西"})  # 北マケドニア
# What a person is called after their name, and what an office holder is called (a compound ending in one).
TITLES = ("事務総長", "総長", "総理大臣", "総理", "首相", "副大臣", "大臣", "官房長官", "長官", "副大統領",
          "大統領", "議長", "委員長", "相", "知事", "副市長", "市長", "町長", "村長", "会長", "社長", "館長",
          "大使", "司令官", "議員", "教授", "博士", "国王", "女王", "主席", "総裁", "書記長", "局長", "部長",
          "理事長", "学長", "校長", "代表")
HONORIFICS = ("氏", "さん", "様", "女史")  # only after a name
# English words for whoever leads, whatever the office: "the NATO chief" is its secretary general, so the offices
# they translate to (長官, 首長, 総理) are not asked for.
ANY_OFFICE = frozenset({"chief", "chiefs", "head", "heads", "headed", "heading", "leader", "leaders", "lead", "leads",
                        "led", "boss", "bosses", "top"})
# Offices named without a person; a bare 相 ends too many other words (様相, 真相) to name one by itself.
OFFICES = (*(t for t in TITLES if t != "相"), "外相", "防衛相", "国防相")
# Organisations, and groups of people, by the word their names end with.
ORGANISATIONS = ("省", "庁", "局", "機構", "機関", "委員会", "理事会", "政府", "代表部", "司令部", "本部", "大使館",
                 "事務局", "議会", "連合", "同盟", "部隊", "軍", "隊", "センター", "協会", "組合", "会社", "銀行",
                 "大学", "研究所", "裁判所", "内閣", "官邸", "組織")
ACRONYM = r"[(（]([A-Z][A-Za-z0-9&.-]{1,11})[)）]"  # an organisation's Latin acronym in brackets after its name
_ACRONYM_AFTER = re.compile(ACRONYM)
GROUPS = ("職員", "国民", "市民", "住民", "代表団", "専門家", "関係者")
BARE = frozenset((*OFFICES, *ORGANISATIONS, *GROUPS))  # the words alone, which name no one office or body
# A row or line that gives a value for a label (館長\t山田花子, 本社: リヨン): the value is what the label names,
# whether MeCab knows the word or not.
_LABELLED = re.compile(r"(?P<label>[^\t:：。\n]{1,24}?)[ \u3000]*(?:\t+|[:：])[ \u3000\t]*"
                       r"(?P<value>[^\s\d(（、。,:：ぁ-ん][^\s(（、。,:：ぁ-ん]{0,23})(?=[\s(（、。,:：]|$)")
_MARKER = re.compile(r"^[ \u3000]*(?:[-・●◇△■□◆*]|[①-⑳]|\d+[.)])?[ \u3000\t]*")
_MARKERS = re.compile("[\u2460-\u24ff\u2776-\u2793\u3251-\u325f\u32b1-\u32bf]")  # ① ⑴ ⒈ ❶ ㉑
_SECTION = re.compile(r"\d+(?:\.\d+)+\s")  # a section number, where it starts a line
_ITEM_NUMBER = re.compile(r"\d{1,2}[)）.．](?!\d)")  # an item's number, where it starts a line: 3) バルトの哨戒, (1) …
_ENCLOSED = re.compile(r"[(（]\d{1,2}[)）]")  # anywhere in a line: (1)ウクライナ支援、(2)サイバー防衛; 日NATO関係(2)
# Years from and to (ISAF (2003-2014)): what it ran, never a count of anything.
_YEAR_RANGE = re.compile(r"(?<![\d.,])(?:18|19|20|21)\d\d[ \t]*[-‐–—~～〜][ \t]*(?:18|19|20|21)\d\d(?![\d.,])")
# What a place may be followed by in one word and stay the place meant (英国主導, led by the United Kingdom): not
# a name the place is part of (京都議定書).
_LED_BY = frozenset({"主導", "主催", "開催", "出身", "製", "産", "発", "提供", "拠出"})
_LOCATIVE = ("で", "にて", "において", "にある", "に置")  # after the name of where something is or happens
_JOINER_WORDS = "と|及び|および|並びに|ならびに"
_JOINERS = re.compile(rf"[ \u3000]*(?:{_JOINER_WORDS})[ \u3000]*")
# An item of a list between commas that MeCab does not know as a place (、仏、 for France).
_LIST_ITEM = re.compile(r"[ \u3000]*[、，,][ \u3000]*([\u4e00-\u9fff]{1,2})[ \u3000]*[、，,][ \u3000]*")
# Between the items of a list: a comma or a joiner, or blanks alone (a table's cells: 日本 韓国 オーストラリア).
_LIST_GAP = re.compile(rf"[ \u3000\t]*(?:[、，,]|{_JOINER_WORDS})[ \u3000\t]*|[ \u3000\t]+")
_TIME_COUNTERS = frozenset({"年", "年間", "か月", "カ月", "ヶ月", "ヵ月", "か月間", "カ月間", "ヶ月間", "ヵ月間",
                            "日間", "週間", "時間"})


@dataclass(frozen=True)
class Entity:
    """One named thing of a span: a place, a person (name words and title), an office or an organisation."""

    role: str  # "place", "person", "title", "org", "group", "value" or "other" (in a list, not known as a name)
    words: tuple[str, ...]  # a name's words as written (エレナ, ブランドリーニ); one word for an office (東京都知事)
    title: str = ""  # a person's title after the name (事務総長)
    within: str = ""  # a place written before an office or organisation (フランス外務省 → フランス)


@dataclass(frozen=True)
class Found:
    """A span of a sentence naming something of one kind; `tier` 0 is the plainest case of that kind.

    Kinds: date, number, time (a number of years, months…), ordinal (第3回), place, person, title (an office),
    org, group (of people: 職員), value (a table row's value for its label).
    """

    kind: str
    start: int
    end: int
    tier: int = 0
    entities: tuple[Entity, ...] = ()
    link: str = ""  # how entities join: "of" (オーストリアのザルツブルク), "paren" (リヨン(フランス)), "and", "list"
    label: tuple[int, int] | None = None  # for a "value": the span of what the value is given for


def find_all(text: str, tokens: Sequence[Token]) -> list[Found]:
    """Everything `text` names, as spans of it; `tokens` are the analyzer's tokens of `text`."""
    return [*_dates_and_numbers(text), *_places(text, tokens), *_people(text, tokens), *_offices(text, tokens),
            *_labelled(text)]


def _dates_and_numbers(text: str) -> list[Found]:
    norm, starts, ends = normalize_with_map(text)

    def span(m) -> tuple[int, int]:
        return starts[m.start], ends[m.end - 1]

    # NFKC makes list markers digits (① → 1); they number items, they are no answer; nor is a section number
    # heading a paragraph (2.1 この計画は…) or an item's number starting a line (3) バルトの哨戒, (1) 進行中の作戦),
    # nor a bare number in brackets within one ((1)ウクライナ支援、(2)サイバー防衛: "how many years" is not 1).
    dates = [span(m) for m in find_dates(norm) if not _MARKERS.search(text, *span(m))]
    out = [Found("date", a, b) for a, b in dates]
    dates += [(starts[m.start()], ends[m.end() - 1]) for m in _YEAR_RANGE.finditer(norm)]  # no count in them
    for m in find_numbers(norm):
        a, b = span(m)
        if (any(a < d_end and d_start < b for d_start, d_end in dates) or _MARKERS.search(text, a, b)
                or (a > 0 and _ENCLOSED.fullmatch(text, a - 1, b + 1))
                or ((_SECTION.match(text, a) or _ITEM_NUMBER.match(text, a))
                    and text[text.rfind("\n", 0, a) + 1:a].strip() in ("", "(", "（"))):
            continue
        expr = parse_number(m.text)
        kind = ("ordinal" if expr and (expr.prefix == "第" or expr.counter in ("回目", "度目", "番目"))
                else "time" if expr and expr.counter in _TIME_COUNTERS else "number")
        out.append(Found(kind, a, b, tier=0 if expr and (expr.counter or expr.value is None or expr.value >= 10**4)
                         else 1))
    return out


def _touching(text: str, end: int, start: int, *, spaced: bool = False) -> bool:
    """Whether two tokens stand together as one compound: nothing between them (a blank, where `spaced`, for a
    Latin word written apart: EU 大使)."""
    gap = text[end:start]
    return gap == "" or (spaced and len(gap) == 1 and gap in " \u3000")


def _dotted(text: str, before: Token, after: Token) -> bool:
    """Whether two Japanese nouns are parts of one name joined by a middle dot (安全保障支援・訓練組織)."""
    return text[before.end:after.start] == "・" and not before.surface.isascii() and not after.surface.isascii()


def _places(text: str, tokens: Sequence[Token]) -> list[Found]:
    units: list[tuple[int, int, tuple[str, ...], bool]] = []  # start, end, words, inside a longer compound
    venues: list[Found] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        direction = (tok.surface in _DIRECTIONS and i + 1 < len(tokens) and tokens[i + 1].entity == "place"
                     and _touching(text, tok.end, tokens[i + 1].start))
        if tok.entity != "place" and not direction:
            i += 1
            continue
        j, words = i, [tok.surface]
        while j + 1 < len(tokens) and _touching(text, tokens[j].end, tokens[j + 1].start) and (
                tokens[j + 1].entity == "place" or tokens[j + 1].surface in PLACE_SUFFIXES):
            j += 1
            nxt = tokens[j]
            if nxt.entity == "place" and not (j - 1 == i and direction):
                words.append(nxt.surface)
            else:
                words[-1] += nxt.surface
        first, last = _compound(text, tokens, i, j)
        inside = (first, last) != (i, j) and not (first == i and text[tokens[j].end:tokens[last].end] in _LED_BY)
        units.append((tok.start, tokens[j].end, tuple(words), inside))
        venue = text[tokens[first].start:tokens[last].end]
        if inside and text.startswith(_LOCATIVE, tokens[last].end):  # 駿府城公園で開催: the whole name is the place
            venues.append(Found("place", tokens[first].start, tokens[last].end, 0, (Entity("place", (venue,)),)))
        i = j + 1
    out = [Found("place", a, b, 1 if inside else 0, (Entity("place", words),)) for a, b, words, inside in units]
    out += venues
    for (a1, b1, w1, in1), (a2, b2, w2, in2) in zip(units, units[1:]):
        if in1 or in2:
            continue
        gap = text[b1:a2]
        link = "of" if gap == "の" else "paren" if gap in ("(", "（") and text[b2:b2 + 1] in (")", "）") else (
            "and" if _JOINERS.fullmatch(gap) else "")
        if link:
            end = b2 + 1 if link == "paren" else b2
            out.append(Found("place", a1, end, 0, (Entity("place", w1), Entity("place", w2)), link))
    return out + _listed(text, units)


def _listed(text: str, units: Sequence[tuple[int, int, tuple[str, ...], bool]]) -> list[Found]:
    """Places listed one after another (ポーランド、チェコ、ハンガリー; 日本 韓国 オーストラリア), each run as one
    span, unless it is two joined by と or 及び (already one span)."""
    out: list[Found] = []
    run: list[tuple[int, int, tuple[str, ...], bool]] = []
    for unit in [*units, None]:
        gap = text[run[-1][1]:unit[0]] if unit is not None and run else ""
        if unit is not None and not unit[3] and run and _LIST_GAP.fullmatch(gap):
            run.append(unit)
            continue
        between = _LIST_ITEM.fullmatch(gap) if unit is not None and not unit[3] and run else None
        if between:  # an item MeCab does not know as a place (仏 for France), kept in the list unrendered
            item = between.group(1)
            start = run[-1][1] + between.start(1)
            run += [(start, start + len(item), (item,), False), unit]
            continue
        if len(run) > 2 or (len(run) == 2 and not _JOINERS.fullmatch(text[run[0][1]:run[1][0]])):
            known = {u[0] for u in units}
            out.append(Found("place", run[0][0], run[-1][1], 0, tuple(
                Entity("place" if a in known else "other", w) for a, _, w, _ in run), "list"))
        run = [unit] if unit is not None and not unit[3] else []
    return out


def _compound(text: str, tokens: Sequence[Token], i: int, j: int) -> tuple[int, int]:
    """The first and last token of the noun compound that tokens i..j stand in."""
    while i > 0 and _touching(text, tokens[i - 1].end, tokens[i].start, spaced=tokens[i - 1].surface.isascii()) \
            and tokens[i - 1].pos in ("名詞", "接頭辞"):
        i -= 1
    while j + 1 < len(tokens) and _touching(text, tokens[j].end, tokens[j + 1].start) and tokens[j + 1].pos in (
            "名詞", "接尾辞"):
        j += 1
    return i, j


def _people(text: str, tokens: Sequence[Token]) -> list[Found]:
    """Names, with the title written after them (スミス市長, エレナ・ブランドリーニ, 山田官房長官)."""
    people: list[Found] = []
    i = 0
    while i < len(tokens):
        j = i
        while j + 1 < len(tokens) and (
                (tokens[j + 1].entity == "person" and _touching(text, tokens[j].end, tokens[j + 1].start))
                or (text[tokens[j].end:tokens[j + 1].start] == "・" and is_katakana(tokens[j + 1].surface))):
            j += 1
        title_end, title = _title_after(text, tokens, j + 1)
        # A katakana word before a title is a name MeCab may not know, or may take for a place (スミス市長);
        # one it knows as a place may be a country's office (オランダ首相), so it is less sure.
        named = tokens[i].entity == "person" or (is_katakana(tokens[i].surface) and title)
        # One character with no title is a surname only by MeCab's guess, mostly wrong: 原 of 原加盟国.
        if not named or (not title and j == i and len(tokens[i].surface) == 1):
            i += 1
            continue
        names = tuple(t.surface for t in tokens[i:j + 1])
        end = title_end if title else tokens[j].end
        sure = any(t.entity == "person" for t in tokens[i:j + 1]) or tokens[i].entity is None
        people.append(Found("person", tokens[i].start, end, 0 if sure else 1, (Entity("person", names, title),)))
        i = j + 1
    return people + _joined(text, people, "person")


def _title_after(text: str, tokens: Sequence[Token], k: int) -> tuple[int, str]:
    """The longest title written right after a name that ends at token k-1: (its end, its text), or (0, "")."""
    best = (0, "")
    at = tokens[k - 1].end if k > 0 else 0
    for n in range(k, min(k + 4, len(tokens))):
        if not _touching(text, at, tokens[n].start) or tokens[n].pos not in ("名詞", "接頭辞", "接尾辞"):
            break
        at = tokens[n].end
        words = text[tokens[k - 1].end:at]
        # Not where the word goes on into a body's name (大使 of 大使館, 代表 of 代表部): a title ends its compound.
        nxt = tokens[n + 1] if n + 1 < len(tokens) and _touching(text, at, tokens[n + 1].start) else None
        goes_on = nxt is not None and (nxt.pos == "接尾辞" or (words + nxt.surface).endswith(ORGANISATIONS))
        if words.endswith(TITLES + HONORIFICS) and not goes_on:
            best = (at, words)
    return best


def _offices(text: str, tokens: Sequence[Token]) -> list[Found]:
    """Offices and organisations named without a person: noun compounds ending in a title (東京都知事, EU
    大使) or an organisation's word (フランス外務省)."""
    found: list[Found] = []
    i = 0
    while i < len(tokens):
        if tokens[i].pos not in ("名詞", "接頭辞", "形状詞"):  # no part of the compound after it (率いる司令官)
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and tokens[j + 1].pos in ("名詞", "接頭辞", "接尾辞") and (_touching(
                text, tokens[j].end, tokens[j + 1].start, spaced=tokens[j].surface.isascii()
                or tokens[j + 1].surface.isascii()) or _dotted(text, tokens[j], tokens[j + 1])):
            j += 1
        # A compound may open with an adjectival noun (サイバー防衛隊, デジタル庁), not end with one.
        opens = tokens[i].pos in ("名詞", "接頭辞") or (tokens[i].pos == "形状詞" and j > i)
        if opens and not any(t.entity == "person" for t in tokens[i:j + 1]):
            compound = text[tokens[i].start:tokens[j].end]
            role = ("title" if compound.endswith(OFFICES) else "org" if compound.endswith(ORGANISATIONS)
                    else "group" if compound.endswith(GROUPS) else "")
            if role and len(compound) > 1:
                within = _leading_place(text, tokens[i:j + 1])
                acronym = _ACRONYM_AFTER.match(text, tokens[j].end) if role == "org" else None
                end = acronym.end() if acronym else tokens[j].end  # 訓練組織(NSATU): the name with its acronym
                entity = Entity(role, (text[tokens[i].start:end],), within=within)
                found.append(Found(role, tokens[i].start, end, 0, (entity,)))
        i = j + 1
    by_role = {role: [f for f in found if f.kind == role] for role in ("title", "org", "group")}
    return found + [both for role, items in by_role.items() for both in _joined(text, items, role)]


def _labelled(text: str) -> list[Found]:
    """The value a line gives for its label, when the line is a label and a value (a table row, `key: value`)."""
    start = _MARKER.match(text).end()
    m = _LABELLED.match(text, start)
    if m is None or not re.search(r"[\u3040-\u30ff\u4e00-\u9fffA-Za-z]", m.group("value")):
        return []
    return [Found("value", m.start("value"), m.end("value"), 1, (Entity("value", (m.group("value"),)),),
                  label=(m.start("label"), m.end("label")))]


def _leading_place(text: str, tokens: Sequence[Token]) -> str:
    """The place a compound starts with, with its suffixes (東京都知事 → 東京都), when something follows it."""
    k = 0
    while k < len(tokens) and (tokens[k].entity == "place" or (k and tokens[k].surface in PLACE_SUFFIXES)):
        k += 1
    return text[tokens[0].start:tokens[k - 1].end] if 0 < k < len(tokens) else ""


def _joined(text: str, items: Sequence[Found], kind: str) -> list[Found]:
    """Two of a kind joined by と or 及び (山田市長と佐藤議長), as one span."""
    out = []
    for a, b in zip(items, items[1:]):
        if _JOINERS.fullmatch(text[a.end:b.start]):
            out.append(Found(kind, a.start, b.end, 0, a.entities + b.entities, "and"))
    return out


def adds_named(whole: Found, part: Found, tokens: Sequence[Token], terms: Collection[str]) -> bool:
    """Whether `whole` adds to `part` a person or place the question names."""
    return any(t.entity in ("person", "place") and t.term in terms for t in tokens
               if whole.start <= t.start and t.end <= whole.end and not (part.start <= t.start and t.end <= part.end))


def label_asked(found: Found, tokens: Sequence[Token], terms: Collection[str]) -> bool:
    """Whether the question names the label a value is given for."""
    a, b = found.label or (0, 0)
    return any(t.term in terms for t in tokens if a <= t.start and t.end <= b)


def one_holds(found: Found, terms: Collection[str]) -> bool:
    """Whether some but not all people of a span hold an office the question names (its terms within a title: 総長
    of 事務総長): 岸田総理とストルテンベルグ事務総長, asked who the secretary general was."""
    holds = [any(len(t) > 1 and not t.isascii() and t in e.title for t in terms) for e in found.entities
             if e.role == "person"]
    return any(holds) and not all(holds)


def names_country(found: Found, tokens: Sequence[Token]) -> bool:
    """Whether a span names a country among its places (カナダ, カナダのトロント, a list with one)."""
    return any(t.country for t in tokens if found.start <= t.start and t.end <= found.end and t.entity == "place")


def country_only(found: Found, tokens: Sequence[Token]) -> bool:
    """Whether every place a span names is a country (スペイン; not スペインのマドリード, not マドリード)."""
    places = [t for t in tokens if found.start <= t.start and t.end <= found.end and t.entity == "place"]
    return bool(places) and all(t.country for t in places)


def office_forms(office: str) -> set[str]:
    """An office under each of its names: a minister's short name and full one (外相 and 外務大臣, 防衛相 and 防衛大臣),
    the prime minister's (首相, 総理大臣, 総理)."""
    forms = {office}
    if office.endswith(("首相", "総理大臣", "総理")):
        stem = office.removesuffix("首相").removesuffix("大臣").removesuffix("総理").removesuffix("内閣")
        forms |= {stem + "首相", stem + "総理大臣", stem + "総理"}
    elif office.endswith("大臣"):  # 外務大臣 → 外相 and 外務相
        forms |= {office[:-2] + "相", *([office[:-3] + "相"] if office.endswith("務大臣") else [])}
    elif office.endswith("相") and len(office) > 1:
        forms |= {office[:-1] + "大臣", office[:-1] + "務大臣"}
    return forms
