"""Japanese written in kana where the documents write kanji: きょうどうせいじせんげんに しょめいしましたか is
searched as 共同政治宣言に 署名しましたか.

Learners, children and hurried typists leave words in hiragana. MeCab reads a long run of hiragana as whatever words
fit (きょう 今日, どう, せいじ 青磁, げんに 現に), words the documents never use, and a word it does read right keeps
its kana as the index term (くに, not 国). A run of kana is spelled again from the documents' own words:

- a noun MeCab knows is written in kanji the documents use takes that kanji (くに → 国, にほん → 日本);
- the rest of the run is split into the readings of the documents' words written in kanji or katakana (うくらいな
  ウクライナ), by the split that covers the most of it in the longest words (a word of n kana scores n², a kana left
  over nothing). A one-kanji word of one or two kana (部 ぶ) is taken only right after another word (しれいぶ 司令部):
  alone, 前 ぜん or 部 ぶ would turn up in too many runs.

The spelled words replace a run's kana only where they cover at least COVERED of its stray words (words MeCab read
that are neither light words nor words of the documents: おいしい keeps its kana, though 意思 reads いし; かめいし,
read 瞑する, is 加盟 and the し of する) and cut
into no word of the documents (はいっている keeps 入る whole, though 一定 reads いってい). A run holding no stray word
is never touched, so kana the documents themselves use (こと, ある, いう) stays as written; but a run that spells
one of the documents' katakana words whole, in LOANWORD_KANA kana or more, is that word however MeCab read it
(すうぇーでん, read すう ぇ ー でん, is スウェーデン).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Collection
from functools import lru_cache

import jaconv

from kotae.analyze import Analyzer, Word

COVERED = 0.6  # of a run's stray kana, the share its spelled words must cover
# Words that carry no topic and may be absorbed by a spelled word (the せ and ん of せんげん, the し of しょめいし):
# particles, auxiliaries, pronouns and the like, adverbs and interjections (どう, えー: a misread run's filler, but
# どうしたら is no 同志たら), and light verbs (する, いる, ある). Not 記号: MeCab reads a kana it cannot place as a
# symbol (じ む of じむそうちょう).
LIGHT_POS = frozenset({"助詞", "助動詞", "補助記号", "空白", "代名詞", "連体詞", "接続詞", "副詞", "感動詞"})
LIGHT_POS2 = frozenset({"非自立可能"})
_RUN = re.compile(r"[ぁ-ゖー]{2,}")
_KANJI = re.compile(r"[\u3400-\u9fff々]")
_HIRAGANA = re.compile(r"[ぁ-ゖー]+")
_KATAKANA = re.compile(r"[ァ-ヶー]{3,}")
_LOANWORD = re.compile(r"[ァ-ヶー]+")
LOANWORD_KANA = 4  # a hiragana run this long spelling a katakana word of the documents exactly is that word
_PARTICLES = frozenset("がのにをはでともへやかねよなたてだしれる")  # never a tail: に is a particle, not 二
# なん before a counter in kana asks a number or a date as 何 does (なんねん 何年, なんにん 何人)
_COUNTERS = {"ねん": "年", "がつ": "月", "にち": "日", "にん": "人", "さい": "歳", "かい": "回", "ど": "度",
             "ばい": "倍", "かこく": "か国", "かげつ": "か月", "こ": "個", "まい": "枚", "ばん": "番",
             "ぱーせんと": "パーセント"}
_HOW_MANY = re.compile(rf"なん({'|'.join(sorted(_COUNTERS, key=len, reverse=True))})")
SPELLED_KEPT = 1024  # questions remembered with their spelling


def _drawled(word: Word) -> bool:
    """An adverb or interjection MeCab could only read as drawn out (ぼう as ぼー, え as えー): a misread run's filler,
    a word of its own after all."""
    return word.pos1 in ("副詞", "感動詞") and "ー" in (word.lemma or "") and "ー" not in word.term


class KanaSpeller:
    """Spells the kana of a text in the documents' kanji, where the documents would (see the module's docstring)."""

    def __init__(self, analyzer: Analyzer, terms: Collection[str], share: Callable[[str], float]) -> None:
        self._analyzer = analyzer
        self._known = terms  # the index's vocabulary, looked up as it is
        self._share = share
        self._table: dict[str, str] | None = None
        self._lock = threading.Lock()
        self.spelled = lru_cache(maxsize=SPELLED_KEPT)(self._spelled)

    @property
    def table(self) -> tuple[dict[str, str], dict[str, str]]:
        """Reading (hiragana) → the documents' word read so, the most widely used where several are: the words that
        may stand anywhere in a run, and the one-kanji words of one or two kana that may only follow another. Built
        when first needed (a few hundredths of a second for a few thousand terms)."""
        if self._table is None:
            with self._lock:
                if self._table is None:
                    self._table = self._readings()
        return self._table

    def _readings(self) -> tuple[dict[str, str], dict[str, str]]:
        best: dict[bool, dict[str, tuple[float, str]]] = {False: {}, True: {}}
        for term in sorted(self._known):
            if _KATAKANA.fullmatch(term):  # a loanword spelled in hiragana (ぱーとなー パートナー)
                reading = jaconv.kata2hira(term)
            elif term.startswith("[") or not _KANJI.search(term):
                continue  # typed terms ([date]協議), and words in hiragana or Latin already
            else:
                kana = [w.kana for w in self._analyzer.words(term)]
                reading = jaconv.kata2hira("".join(kana)) if all(kana) else ""
            if not _HIRAGANA.fullmatch(reading):
                continue
            tail = len(term) == 1 and len(reading) < 3
            group, share = best[tail], self._share(term)
            if reading not in group or share > group[reading][0]:
                group[reading] = (share, term)
        words, tails = ({r: t for r, (_, t) in best[tail].items()} for tail in (False, True))
        return words, tails

    def _spelled(self, text: str) -> str:
        text = _HOW_MANY.sub(lambda m: "何" + _COUNTERS[m.group(1)], text)
        runs = list(_RUN.finditer(text))
        if not runs:
            return text
        words = self._analyzer.words(text)
        replaced: list[tuple[int, int, str]] = []
        for run in runs:
            replaced += self._run(run.start(), run.group(), [w for w in words
                                                            if run.start() <= w.start and w.end <= run.end()])
        out, at = [], 0
        for start, end, term in replaced:
            out += [text[at:start], term]
            at = end
        return "".join([*out, text[at:]])

    def _run(self, offset: int, run: str, words: list[Word]) -> list[tuple[int, int, str]]:
        """The spelled words replacing parts of one run of kana, as (start, end, word) in the text, in order; none
        where the run is read well already or cannot be spelled well enough."""
        content = [w for w in words if (w.pos1 not in LIGHT_POS and w.pos2 not in LIGHT_POS2) or _drawled(w)]
        known = [w for w in content if w.term in self._known or (w.lemma in self._known and _KANJI.search(w.lemma))]
        named = [(w.start, w.end, w.lemma) for w in known if w.term not in self._known and w.pos1 == "名詞"]
        stray = [(w.start, w.end) for w in content if w not in known]
        kept = [(w.start, w.end) for w in known]
        split = [(s, e, t) for s, e, t in self._split(offset, run)
                 if not any(s < b and a < e and not (s <= a and b <= e) for a, b in kept)]
        # a loanword of the documents spelled whole in hiragana (すうぇーでん スウェーデン), however MeCab read it
        loans = [w for w in split if w[1] - w[0] >= LOANWORD_KANA and _LOANWORD.fullmatch(w[2])]
        stray = [(a, b) for a, b in stray if not any(s <= a and b <= e for s, e, _ in loans)]
        chosen = list(loans)
        if stray:
            # a word over stray words, and words joined to one without a kana between (しれい 司令 of しれいぶ)
            spelled = [w for w in split if any(w[0] < b and a < w[1] for a, b in stray)]
            def touching(w: tuple[int, int, str]) -> bool:
                return w not in spelled and any(w[1] == c[0] or c[1] == w[0] for c in spelled)

            while joined := [w for w in split if touching(w)]:
                spelled += joined
            # a known word a spelled word takes in whole was misread too (しょ 小 of しょめい 署名)
            misread = stray + [(a, b) for a, b in kept if any(s <= a and b <= e for s, e, _ in spelled)]
            covered = sum(max(0, min(e, b) - max(s, a)) for s, e, _ in spelled for a, b in misread)
            if covered >= COVERED * sum(b - a for a, b in misread):
                chosen = sorted(set(chosen) | set(spelled))
        return sorted([*chosen, *(n for n in named if not any(s < n[1] and n[0] < e for s, e, _ in chosen))])

    def _split(self, offset: int, run: str) -> list[tuple[int, int, str]]:
        """The run split into the documents' words by reading (Viterbi: the most kana covered, in the longest
        words; a tail only right after a word), as (start, end, word) in the text."""
        table, tails = self.table
        n = len(run)
        longest = min(n, max(map(len, table), default=0))
        # best[i][after]: (score, where the step began, its state there, the word) of the best way to i, reached by
        # a word (after=1) or by a kana left over (after=0)
        best: list[list[tuple[int, int, int, str | None]]] = [[(-1, 0, 0, None)] * 2 for _ in range(n + 1)]
        best[0][0] = (0, 0, 0, None)
        for i in range(n):
            for after in (0, 1):
                score = best[i][after][0]
                if score < 0:
                    continue
                if score > best[i + 1][0][0]:
                    best[i + 1][0] = (score, i, after, None)
                for j in range(i + 1, min(n, i + longest) + 1):
                    piece = run[i:j]
                    term = table.get(piece) if j - i >= 2 else None
                    term = term or (tails.get(piece) if after and piece not in _PARTICLES else None)
                    if term is not None and score + (j - i) ** 2 > best[j][1][0]:
                        best[j][1] = (score + (j - i) ** 2, i, after, term)
        out, j, after = [], n, int(best[n][1][0] > best[n][0][0])
        while j > 0:
            _, i, before, term = best[j][after]
            if term is not None:
                out.append((offset + i, offset + j, term))
            j, after = i, before
        return out[::-1]
