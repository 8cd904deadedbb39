"""Where a span stands in its Japanese sentence: the predicate it attaches to, the rest of its clause, and the case
particle a where-question puts on the place it asks for."""

from __future__ import annotations

import re
from collections.abc import Sequence

from kotae.types import Token

PREDICATE_REACH = 40  # characters after a date within which its predicate is looked for
_PARTICLE_VERBS = frozenset({"おく", "於く", "よる", "因る", "対する", "関する", "際する", "わたる", "渡る", "通じる",
                             "向ける", "基づく", "伴う", "おける"})
_QUOTED = re.compile(r"「[^」]*」|『[^』]*』|“[^”]*”")
_VERBAL = ("し", "さ", "す", "せ")  # a noun so followed is used as a verb (署名し, 署名され, 開催する)
# The particle after "where" (どこで, どこの国を), which the answer's place takes too (駿府城公園で開催).
_WHERE = re.compile(r"(?:(?:どこ|どちら|何処)(?:の(?:国|都市|町|市|地域))?|どの(?:国|都市|町|市|地域))"
                    r"(で|に|へ|を|から|まで)")
_SAME_CASE = {"で": ("で", "にて", "において", "における"), "に": ("に",), "へ": ("へ", "に"), "を": ("を",),
              "から": ("から",), "まで": ("まで",)}


def predicate(text: str, tokens: Sequence[Token], after: int) -> str | None:
    """The term of the predicate that what ends at `after` attaches to: Japanese puts the verb after its date, so
    the first verb, or noun used as one (署名され, 開催した), later in the same sentence and line, passing over
    verbs that only make particles (において, による). 2014年5月6日にブリュッセルにおいて署名され → 署名."""
    for t in tokens:
        if t.start < after:
            continue
        between = text[after:t.start]
        if t.start - after > PREDICATE_REACH or any(mark in between for mark in "。\n\t"):
            return None
        if _is_verb(text, t):
            return t.term
    return None


def _is_verb(text: str, t: Token) -> bool:
    """A verb that is no particle's (において, による), or a noun used as one (署名され, 開催した)."""
    return (t.pos == "動詞" and t.term not in _PARTICLE_VERBS) or (
        t.pos == "名詞" and not t.entity and text.startswith(_VERBAL, t.end))


def subject_verbs(text: str, tokens: Sequence[Token], after: int) -> set[str]:
    """The verbs of a sentence whose topic or subject ends at `after` (followed by は or が): each verb, or noun used as
    one, after it to the end of the sentence, leaving out what it quotes. ストルテンベルグ事務総長は12日、会談に先立って
    「日本ほど近いパートナーはいない」と述べました → 先立つ, 述べる (not いる: the quote's)."""
    if not text.startswith(("は", "が"), after):
        return set()
    end = min((i for i in (text.find("。", after), text.find("\n", after)) if i >= 0), default=len(text))
    quoted = [m.span() for m in _QUOTED.finditer(text, after, end)]
    return {t.term for t in tokens
            if after < t.start < end and not any(a <= t.start < b for a, b in quoted) and _is_verb(text, t)}


def phrase_after(text: str, tokens: Sequence[Token], after: int) -> list[Token]:
    """The tokens after `after` up to the end of its clause (a comma, a full stop, a line or a cell)."""
    out = []
    for t in tokens:
        if t.start < after:
            continue
        if t.start - after > PREDICATE_REACH or any(mark in text[after:t.start] for mark in "、。\n\t"):
            break
        out.append(t)
    return out


def where_case(question: str) -> tuple[str, ...]:
    """The particles a place answering the question takes (どこで → で, にて, において); none if it does not say."""
    where = _WHERE.search(question)
    return _SAME_CASE[where.group(1)] if where else ()


def placed_with(text: str, tokens: Sequence[Token], case: Sequence[str]) -> bool:
    """Whether the sentence names a place followed by one of the particles `case` (ブリュッセルにおいて)."""
    return any(t.entity == "place" and text.startswith(tuple(case), t.end) for t in tokens)


AT = ("で", "にて", "において", "における")  # what follows a place where something happens
_WHERE_AT = re.compile(r"\bwhere\b|(?:どこ|どちら|何処)(?!(?:の[^\s、。?？]{1,3})?[がは])", re.I)
_ACTS = ("による", "によって", "により", "が")  # what follows a place that acts (ロシアによる侵略, 日本が)
# What follows a place the sentence puts something in, at or to (ブリュッセルで, リトアニアを訪れ), or one standing
# alone (a table's cell, a list's item); "に" only as a place (ロシアに対する is not), "へ" not before の (ウクライナ
# への支援: what is given to).
_LOCATED = (*AT, "へ", "から", "まで", "を訪", "(", "（", ")", "）", "、", "。", "/")
_NOT_LOCATED = ("に対", "に関", "によ", "にと", "につ")


def asks_location(question: str) -> bool:
    """Whether a question asks where something is or happens (場所, 海域はどこ, "where"), not which place does
    something (どこの国が); a where-question that says its particle (どこで) says so too (see where_case)."""
    return "場所" in question or bool(_WHERE_AT.search(question))


def place_role(text: str, end: int) -> int:
    """How a place ending at `end` stands in its sentence, for a question asking where: 0 as a location
    (ブリュッセルで, alone in a cell), 1 otherwise (ロシアや中国の動向), 2 acting (ロシアによる侵略: never where
    anything happened)."""
    rest = text[end:]
    if rest.startswith(_ACTS):
        return 2
    located = (not rest.strip() or rest[0] in "\t\n " or (rest.startswith(_LOCATED) and not rest.startswith("への"))
               or (rest.startswith("に") and not rest.startswith(_NOT_LOCATED)))
    return 0 if located else 1
