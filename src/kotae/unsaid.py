"""Why cited sentences on the question's subject still cannot answer it: the count, date or office holder it asks
for is not among them. The answer is then abstained with a note saying so, in the question's language."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from kotae.answered import quoting
from kotae.short_answer import Question, ShortAnswer, offices
from kotae.spans import ANY_OFFICE, OFFICES, office_forms
from kotae.types import Token

NO_NUMBER = {"ja": "関連する記述はありますが、質問の数値は書かれていません。",
             "en": "The documents discuss this but give no such number."}
NO_DATE = {"ja": "関連する記述はありますが、質問の日付は書かれていません。",
           "en": "The documents discuss this but give no such date."}
NO_HOLDER = {"ja": "関連する記述はありますが、質問の役職にある人物は書かれていません。",
             "en": "The documents discuss this but do not name who holds that office."}
# A birth asked for (何年生まれ, 生年月日, when was she born), and said (1967年生まれ, 1967年生, born in 1967): a date
# of anything else (2024年10月から現職) is no birth date. 誕生 asked is left out: NATOの誕生 is its founding.
_BIRTH = r"生まれ|生年|\bborn\b|\bbirth"
_BIRTH_ASKED, _BIRTH_SAID = re.compile(_BIRTH, re.I), re.compile(_BIRTH + r"|年生|誕生", re.I)
# Words before an office that make it another one (副館長 is not 館長; 初代事務総長 not the one in office).
_OFFICE_MODIFIERS = ("副", "初代", "元", "前", "次期", "歴代", "代理", "次", "専任", "臨時")


def unsaid(question: Question, found: ShortAnswer | None, sentences: Sequence[Any],
           tokens: Sequence[Sequence[Token]], question_tokens: Sequence[Token]) -> dict[str, str] | None:
    """Why the cited sentences cannot answer, as a note in each language, or None when they may:
    - a how-many question with no number of what it counts (measured on the gold and holdout sets: no such answer
      held the evidence);
    - a when-question with no date (none that answers it: "until when" is not answered by when something began);
      on the gold and holdout sets, two near misses and no answerable question were answered so; nor one asking
      for a birth by a date its sentence does not call one (four near misses of the gold and holdout sets);
    - a who-question naming an office (司令官は誰) that no sentence names, alone or as a title, or whose holder no
      sentence names (専任大使着任: the office, nobody in it); "chief", "head" or "leader" name none."""
    if question.kind == "number" and found is None:
        return NO_NUMBER
    if question.kind == "date" and (found is None or _not_a_birth(question, found, sentences)):
        return NO_DATE
    if question.kind == "person":  # an English question's offices are among the terms it was translated into
        words = question.asked or {}
        asked = (offices(question.text, question_tokens) if question.lang != "en"
                 else {t for t in question.weights or {} if t in OFFICES and words.get(t) not in ANY_OFFICE})
        named = set().union(*(offices(s.text, t) for s, t in zip(sentences, tokens)))
        if asked and (found is None or not any(_same_office(a, n) for a in asked for n in named)):
            return NO_HOLDER
    return None


def _not_a_birth(question: Question, found: ShortAnswer, sentences: Sequence[Any]) -> bool:
    """Whether the question asks for a birth and the sentence of the date found does not say it is one."""
    if not _BIRTH_ASKED.search(question.text):
        return False
    holder = quoting(sentences, found)
    return holder is None or not _BIRTH_SAID.search(holder.text)


def _same_office(asked: str, named: str) -> bool:
    """Whether a sentence naming `named` names the office asked for: the same, a more particular one (asked 事務総長,
    named NATO事務総長), or the office of whatever the question puts first (asked NATO事務総長, named 事務総長), but
    not one the question's first word sets apart (副館長, 初代事務総長, 元首相); either under any of its names (外相 is
    外務大臣)."""
    names = office_forms(named)
    return any(a in n or (a.endswith(n) and not a.startswith(_OFFICE_MODIFIERS))
               for a in office_forms(asked) for n in names)
