"""A question as a lexical query: Japanese terms as they are, English words translated through the lexicon."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kotae.acronyms import named_acronyms
from kotae.analyze import Analyzer
from kotae.answer_type import also_asked, expected_type
from kotae.english import english_words, expand_abbreviations, heads_asked, hyphenated, without_function_phrases
from kotae.expressions import YEAR
from kotae.language import detect_language
from kotae.lexicon import Lexicon
from kotae.numbered import numbered_terms
from kotae.spans import OFFICES
from kotae.translate import Translation, translate

_LATIN = re.compile(r"^[A-Za-z0-9'’-]+$")
# Japanese words that frame a question rather than name what it asks: how it asks (どう, そもそも, だいたい), a
# politeness (さん, お), the present it is asked in (今, いま), a verb's helper (〜ていく), and the text it read
# (記事, 資料, ニュース, ページ, 本文, 書く: 記事でどう書かれている). Where the documents never use one, it is
# not counted as a word they lack (see kotae.needs), as the English STOPWORDS are not.
FRAME_TERMS = frozenset({"どう", "そもそも", "だいたい", "さん", "お", "今", "いま", "いく", "記事", "資料", "ニュース",
                         "ページ", "本文", "書く"})


@dataclass(frozen=True)
class Query:
    """What lexical retrieval searches for one question."""

    lang: str
    terms: tuple[str, ...]  # matched directly (Japanese terms, acronyms, numbers)
    translations: tuple[Translation, ...]  # English words, each one pseudo-term of its Japanese candidates
    unknown: tuple[str, ...]  # English words neither the index nor the lexicon knows
    kind: str | None  # the entity type the question asks for, if any
    missing: tuple[str, ...] = ()  # Japanese terms of the question that occur nowhere in the documents
    also: tuple[str, ...] = ()  # entity types it asks for beside `kind` (when and where: a place beside a date)

    @property
    def kinds(self) -> frozenset[str]:
        """Every entity type the question asks for."""
        return frozenset(k for k in (self.kind, *self.also) if k)

    def groups(self) -> list[list[tuple[tuple[str, ...], float]]]:
        return [t.group for t in self.translations]

    def typed(self) -> tuple[list[str], list[tuple[str, ...]]]:
        """The answer-type forms of the terms and groups (see answer_type), empty for other questions."""
        if not self.kind:
            return [], []
        tag = f"[{self.kind}]"
        groups = [[(tuple(tag + t for t in run), w) for run, w in g] for g in self.groups()]
        return [tag + t for t in self.terms], groups

    def to_json(self) -> list[Any]:
        return [*self.terms, *(t.to_json() for t in self.translations)]

    def encoder_text(self, question: str, words: int | None = None) -> str:
        """What the embedding model is given for the question: an English question followed by the first Japanese
        candidate of each word the lexicon translated (of the first `words` of them, if given; none the question
        already says, as NATO for NATO, which would only cost the model time), so that the vector
        meets Japanese passages in their own words as well as across languages (measured with the bundled model on
        English questions of eval/gold.jsonl: dense MRR@10 0.51 without them, 0.59 with three, 0.60 with all)."""
        if self.lang != "en" or words == 0:
            return question
        said = question.casefold()
        found = list(dict.fromkeys(c for c in ("".join(t.candidates[0]) for t in self.translations if t.candidates)
                                   if c.casefold() not in said))[:words]
        return f"{question} {' '.join(found)}" if found else question

    def years(self) -> set[str]:
        """The years of the common era the question names (2023), as terms."""
        return {t for t in (*self.terms, *(t.source for t in self.translations)) if YEAR.fullmatch(t)}

    @property
    def empty(self) -> bool:
        return not self.terms and not self.translations


def make_query(question: str, analyzer: Analyzer, lexicon: Lexicon, vocab: dict[str, int],
               pivot: Callable[[Sequence[str]], list[Translation]] | None = None) -> Query:
    """Analyze a question the same way documents were, translating English words when there are any, and Japanese
    words the documents never use through `pivot` (see kotae.pivot)."""
    lang, kind = detect_language(question), expected_type(question)
    tokens = analyzer.tokens(question)
    if lang == "ja":
        parts, terms = numbered_terms([t.term for t in tokens], vocab, analyzer.terms)
        translations = [Translation.alike(name, runs) for name, runs in parts]
        unknown = []
    else:
        latin = [t for t in tokens if _LATIN.match(unicodedata.normalize("NFKC", t.surface))]
        terms = [t.term for t in tokens if t not in latin]
        # MeCab's pieces, as the documents were split (G7 → g 7); a lone letter left by NATO's → NATO ' s or
        # G7 says nothing to translate.
        # HQ → headquarters, unless the documents use HQ themselves.
        latin_text = expand_abbreviations(" ".join(t.surface for t in latin),
                                          keep=lambda a: a.lower() in vocab or a.lower() in lexicon.acronyms)
        plain = without_function_phrases(latin_text)
        words = [w for w in english_words(plain) if len(w) > 1 or w.isdigit()]
        translations, unknown = translate(words, lexicon, vocab, analyzer.terms, joined=hyphenated(question))
        if kind == "person":
            heads = heads_asked(plain)
            translations = [office_senses(t) if t.source in heads else t for t in translations]
        terms += named_acronyms(question, lexicon.acronyms)
    # MeCab reads a name written with a middle dot as one word or as its parts depending on what follows it
    # (マルク・ルッテ before a blank, マルク and ルッテ before a digit): where the whole is unknown, its parts.
    terms = [part for t in terms for part in (_dotted_parts(t, vocab) or (t,))]
    known = tuple(dict.fromkeys(t for t in terms if t in vocab))
    missing = tuple(dict.fromkeys(t for t in terms if t not in vocab and t not in FRAME_TERMS))
    known, translations = spelled_out(known, translations, lexicon)
    if lang == "ja" and pivot is not None:  # words the documents never use, through their glosses
        reached = pivot(missing)
        translations = [*translations, *reached]
        sources = {r.source for r in reached}
        missing = tuple(t for t in missing if t not in sources)
        if kind == "person":  # NATOのトップは誰: its office's holder, not a 首脳
            translations = [office_senses(t) if t.source in _JA_HEADS else t for t in translations]
    return Query(lang=lang, terms=known, translations=tuple(translations), unknown=tuple(unknown),
                 kind=kind, missing=missing, also=also_asked(question))


_JA_HEADS = frozenset({"トップ", "リーダー", "ボス"})  # loanwords for whoever leads, which the documents may not use


def office_senses(translation: Translation) -> Translation:
    """A word for whoever leads (head, chief, boss) in a question asking who: only its renderings that are offices
    (事務総長, 長官), not its other senses (首脳 of 首脳会合, 主要 "main", 監督 "supervision"); as it was where none
    is."""
    kept = [(run, w) for run, w in translation.group if "".join(run) in OFFICES]
    if not kept:
        return translation
    return Translation(translation.source, tuple(r for r, _ in kept), tuple(w for _, w in kept))


def _dotted_parts(term: str, vocab: dict[str, int]) -> tuple[str, ...] | None:
    """The parts of a term joined by middle dots, where the documents know every part but not the whole."""
    if term in vocab or "・" not in term:
        return None
    parts = tuple(p for p in term.split("・") if p)
    return parts if parts and all(p in vocab for p in parts) else None


def spelled_out(terms: tuple[str, ...], translations: list[Translation], lexicon: Lexicon
                ) -> tuple[tuple[str, ...], list[Translation]]:
    """Acronyms the documents define, searched as themselves or their names written out, one term either way: IPCP
    finds 国別パートナーシップ協力計画 where a passage never abbreviates it, and weighs no more for having two forms."""
    if not lexicon.acronyms:
        return terms, translations
    out = []
    for t in translations:
        forms = lexicon.acronyms.get(t.source, ())
        extra = [f for f in forms if f not in t.candidates]
        out.append(Translation(t.source, (*t.candidates, *extra), (*t.weights, *[1.0] * len(extra))) if extra else t)
    spelled = [t for t in terms if t in lexicon.acronyms]
    out += [Translation.alike(t, ((t,), *lexicon.acronyms[t])) for t in spelled]
    return tuple(t for t in terms if t not in spelled), out
