"""English words as the lexicon compares them: spelling folded, stop words dropped, base forms and derived nouns."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

INFLECTION_PENALTY = 5.0  # rank points, see lexicon.gloss_rank
DERIVATION_PENALTY = 15.0

STOPWORDS = frozenset([
    "a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "from", "with", "about", "as", "into", "than",
    "then", "and", "or", "but", "not", "no", "nor", "so", "if", "is", "are", "was", "were", "be", "been", "being",
    "am", "do", "does", "did", "doing", "have", "has", "had", "having", "what", "which", "who", "whom", "whose",
    "when", "where", "why", "how", "this", "that", "these", "those", "there", "here", "it", "its", "they", "them",
    "their", "he", "him", "his", "she", "her", "we", "our", "us", "you", "your", "i", "me", "my", "can", "could",
    "will", "would", "shall", "should", "may", "might", "must", "also", "any", "some", "all", "each", "other",
    "such", "very", "more", "most", "much", "many", "tell", "please", "know", "ever", "just", "through", "via",
    # Words that frame a question rather than name what it is about: emphasis, greetings, and asking how a
    # text puts something. Counted as needs, a question saying "exactly" asked for a word no passage has.
    "exactly", "exact", "precisely", "actually", "really", "basically", "already", "still", "altogether", "briefly",
    "supposed", "ok", "okay", "hey", "hi", "whats", "want", "wants", "itself", "else",
    "describe", "describes", "described", "explain", "explains", "explained", "cite", "cites", "cited",
    "earlier",  # frames when (earlier that year), as "already" does
    "while", "whereas", "although", "though", "whether",  # join clauses; "worthwhile" is not worth + while
])
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# British spellings folded to American on both sides, so defence and defense meet.
_SPELLING = ((re.compile(r"(?<=[a-z]{3})isation$"), "ization"), (re.compile(r"(?<=[a-z]{3})is(e|ed|es|ing)$"), r"iz\1"),
             (re.compile(r"(?<=[a-z]{3})our$"), "or"), (re.compile(r"(?<=[a-z]{2})tre$"), "ter"),
             (re.compile(r"(?<=[a-z]{3})ogue$"), "og"),
             (re.compile(r"^programme$"), "program"))
_FOLD_EXCEPTIONS = frozenset({"four", "hour", "your", "tour", "pour", "sour", "flour", "exercise", "enterprise",
                              "promise", "precise", "otherwise", "expertise", "compromise", "surprise", "advise",
                              "franchise", "concise", "premise", "merchandise", "comprise", "revise", "supervise",
                              "televise", "improvise", "devise", "despise", "excise", "chastise", "incise"})
_FOLD_STEMS = frozenset(w.removesuffix("e") for w in _FOLD_EXCEPTIONS)  # revised, revising
# Only these -ence words have an American -ense spelling; every other -ence word is left alone.
_ENCE_WORDS = frozenset({"defence", "offence", "licence", "pretence"})


def fold(word: str) -> str:
    """Case, accents, hyphens and British spelling folded away: the form lexicon keys are compared in."""
    word = unicodedata.normalize("NFKD", word.lower())
    word = "".join(c for c in word if not unicodedata.combining(c))
    if word in _ENCE_WORDS:
        return word[:-3] + "nse"
    if word.endswith("ence") or word in _FOLD_EXCEPTIONS or word.rstrip("ds").removesuffix("e") in _FOLD_STEMS \
            or word.endswith("ing") and word[:-3] in _FOLD_STEMS:
        return word
    for pattern, repl in _SPELLING:
        word = pattern.sub(repl, word)
    return word


# Everyday English abbreviations, as written (case counts: US is not us), and the words they stand for as the
# lexicon's glosses write them (United States as USA: JMdict glosses 米国 "America; USA"); a question's abbreviation
# is read as these words unless the documents use it themselves.
ABBREVIATIONS = {"US": "USA", "United States": "USA", "UK": "United Kingdom", "HQ": "headquarters",
                 "PM": "prime minister", "FM": "foreign minister", "MoD": "ministry of defense",
                 "MOD": "ministry of defense", "DPRK": "North Korea", "ROK": "South Korea", "govt": "government",
                 "gov't": "government", "intl": "international", "dept": "department", "SecGen": "secretary general",
                 # Japan's own, as English writing about Japan abbreviates them.
                 "SDF": "Self-Defense Forces", "JSDF": "Japan Self-Defense Forces",
                 "MSDF": "Maritime Self-Defense Force", "JMSDF": "Japan Maritime Self-Defense Force",
                 "GSDF": "Ground Self-Defense Force", "ASDF": "Air Self-Defense Force",
                 "MOFA": "Ministry of Foreign Affairs", "MoFA": "Ministry of Foreign Affairs"}
# Also read as typed in haste, in lower case or capitalised, where no English word is spelt so (not US: us, nor PM).
ABBREVIATIONS |= {typed: ABBREVIATIONS[a] for a in ("HQ", "MOFA", "DPRK", "SDF", "JSDF", "MSDF", "JMSDF", "GSDF",
                                                    "SecGen") for typed in (a.lower(), a.capitalize())}
_ABBREVIATION = re.compile(r"(?<![\w'])(" + "|".join(re.escape(a) for a in ABBREVIATIONS) + r")(?![\w'])")
# Glosses name a country "nation" or "state" (加盟国: member nation; member state): as the last word of a phrase,
# "country" is tried as those too, so "member countries" finds 加盟国. Only that way round: "United States" is not
# "United Nations".
COUNTRY_WORDS = {"country": ("nation", "state"), "countries": ("nations", "states")}
SYNONYM_PENALTY = 2.0  # rank points: a gloss met through a synonym of the word ranks just below one met as written


# Words that only make a preposition or conjunction with the words around them ("according to" the report, "in terms
# of" money, "as well as"): a question's are not translated, or "according" would search 合意 (agreement).
_FUNCTION_PHRASES = re.compile(
    r"\b(?:according(?= to\b)|(?<=\bin )terms(?= of\b)|(?<=\bas )well(?= as\b)|(?<=\bin )order(?= to\b)|"
    r"due(?= to\b)|(?:(?<=\bin )|(?<=\bwith ))(?:regard|respect)(?= to\b)|(?<=\bin )addition(?= to\b)|instead(?= of\b)|"
    r"rather(?= than\b)|stands?(?= for\b))\s*", re.I)
# "What year did …?" asks when, as "when" does: its year names no year the documents write (ことし, 年間).
_WHAT_TIME = re.compile(r"\b((?:what|which)\s+(?:exact\s+|precise\s+|calendar\s+)?)(?:year|month|date|day)s?\b", re.I)
# "What does VNC refer to?" asks what VNC is (not where the documents mention it: 言及); "in the NATO context" asks
# nothing of a context (文脈): both frame a question, and counted as needs they made its answer look unanswered.
_IN_CONTEXT = r"\bin\s+(?:(?:the|this|that|its|their|a)\s+)?((?:[\w-]+\s+)?)context\b"
_CONTEXT = re.compile(_IN_CONTEXT, re.I)
_REFERS_TO = re.compile(r"^(\s*what\s+(?:does|do|did)\b.*?)\s+refer(?:s|red)?\s+to\b(?=\s*(?:" + _IN_CONTEXT
                        + r")?\s*[?.]?\s*$)", re.I)

# "What does NSATU (actually) do?" asks for its role (役割, 任務), which its "do" would not translate to.
# "Who runs NATO?", "who is in charge of it", "who leads NATO now?": who heads it, the holder of its office (そう, 代
# and 先立つ are other senses of run, charge and lead). "Who leads the battlegroup?" asks for a lead nation: "leads"
# only before a name alone.
_LEADS = re.compile(r"\b(who(?:'s|\s+is)?\s+(?:currently\s+|now\s+)?)(?:runs|running|(?:in\s+)?charge\s+of|"
                    r"at\s+the\s+helm\s+of|leads(?=\s+(?!the\b)[\w-]+(?:\s+(?:now|today|currently))?\s*[?.]?\s*$))\b",
                    re.I)
_DOES = re.compile(r"(\bwhat\s+(?:does|do)\s+(?:[\w'-]+\s+){1,5}?)(?:actually\s+|really\s+|exactly\s+)?do"
                   r"(?=\s*[?.]?\s*$)", re.I)


# A question's words that say where it read something rather than what it asks ("according to the news report",
# "in the briefing", "as the article describes it"): no passage says "article" or "briefing", so counted as needs
# they would make an answerable question look unanswered. Kept where the noun is a thing the text is about: Article
# 5 (a number follows), a report or a document a question asks for (no reference words before it).
SOURCE_NOUNS = (r"article|piece|story|briefing|report|write\s*up|explainer|excerpt|coverage|page|passage|slides?|deck|"
                r"overview|summary")  # what a text read is called (see also kotae.named_source)
_SOURCE = rf"(?:news\s+)?(?:{SOURCE_NOUNS})s?\b(?!\s*\d)"
_SOURCE_MODIFIERS = (r"(?:(?:(?:news|original|same|above|linked|web|online|foreign|ministry|affairs|of|government|"
                     r"january|february|march|april|may|june|july|august|september|october|november|december|"
                     r"(?:19|20)\d\d)"
                     r"(?:\s*'\s*s|\s+s(?=\s))?|'\s*s)\s+){0,4}")  # ministry's, or as MeCab leaves it: ministry s
_SOURCE_REFERENCES = re.compile(
    r"\b(?:(?:according\s+to|in|from|per|by)\s+(?:the|this|that|its|their|[a-z][\w-]*(?:\s*'\s*s|\s+s(?=\s)))\s+"
    + _SOURCE_MODIFIERS + _SOURCE
    + r"|(?:the|this|that)\s+" + _SOURCE  # the article (on NSATU) says
    + r"(?=\s+(?:(?:on|about)\s+(?:[\w'-]+\s+){1,4}?)?(?:says?|said|describes?|described|mentions?|mentioned|"
    r"puts?|calls?|called|notes?|noted|lists?|listed|reports?|reported|cites?|cited|explains?|explained|states?|"
    r"stated|tells?|writes?|wrote)\b))", re.I)


def without_function_phrases(text: str) -> str:
    """`text` without the content-looking words of its multi-word prepositions (according to → to), without the
    words that refer to the text itself (according to the article), and without the "refer to" of "what does
    VNC refer to?" or an "in the … context" that frame the question; the "do" of "what does NSATU do?" is its role."""
    text = _CONTEXT.sub(r"in \1", _REFERS_TO.sub(r"\1", _SOURCE_REFERENCES.sub(" ", _DOES.sub(r"\1 role", text))))
    text = _LEADS.sub(r"\1heads", text)
    text = _WHAT_TIME.sub(r"\1", text)
    return _FUNCTION_PHRASES.sub("", text)


# The head asked for: "the leader of NATO", "NATO's chief" (or NATO ' s chief, as MeCab leaves it), "who heads NATO";
# not "a Japanese leader", nor the heads of state a summit gathers.
_HEAD_ASKED = re.compile(r"(?:\b(?:the|its|their)|\s*['’]\s*s|\s+s(?=\s))\s+(?:current\s+|present\s+|top\s+)?"
                         r"(head|leader|chief|boss)s?\b(?!\s+of\s+(?:state|government))|"
                         r"\bwho(?:'s|\s+is)?\s+(?:currently\s+|now\s+)?(heads)\b", re.I)


def heads_asked(text: str) -> set[str]:
    """The words of `text` (as without_function_phrases leaves it) that ask for the head of something."""
    return {fold(w.lower()) for m in _HEAD_ASKED.finditer(text) for w in m.groups() if w}


def expand_abbreviations(text: str, keep: Callable[[str], bool] = lambda _: False) -> str:
    """`text` with everyday abbreviations written out (HQ → headquarters), except those `keep` keeps."""
    return _ABBREVIATION.sub(lambda m: m.group() if keep(m.group()) else ABBREVIATIONS[m.group()], text)


def english_words(text: str) -> list[str]:
    """Folded English words of a text, hyphenated compounds split into their parts; without the "going" of a
    future ("is Japan going to send": no going anywhere)."""
    text = unicodedata.normalize("NFKC", text).lower().replace("-", " ").replace("’", "'")
    words = [fold(w.removesuffix("'s")) for w in _WORD.findall(text)]
    return [w for i, w in enumerate(words) if not (w in ("going", "gonna") and _future(words, i))]


_HYPHENATED = re.compile(r"([A-Za-z]+)-(?=([A-Za-z]+))")


def hyphenated(text: str) -> frozenset[tuple[str, str]]:
    """The folded word pairs a text writes with a hyphen between them (clean-up: clean, up), which english_words
    gives as two words: the dictionary may know them only as one (cleanup)."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'")
    return frozenset((fold(a), fold(b)) for a, b in _HYPHENATED.findall(text))


def _future(words: list[str], i: int) -> bool:
    """Whether words[i] (going, gonna) makes a future of the verb after it: going to send, gonna send."""
    verb = i + 2 if words[i] == "going" else i + 1
    return verb < len(words) and (words[i] == "gonna" or words[i + 1] == "to") and "VERB" in _lemma_table(words[verb])


def is_english_word(word: str) -> bool:
    """Whether the word is in lemminflect's English dictionary (any inflected form of a known lemma): a word to be
    taken as written, never corrected into another ("election" is not a slip for "selection")."""
    return bool(_lemma_table(word))


@lru_cache(maxsize=65536)
def _lemma_table(word: str) -> dict[str, tuple[str, ...]]:
    """lemminflect's lemmas of a word by part of speech (VERB, NOUN, ADJ, ADV), looked up once per word."""
    import lemminflect  # a declared dependency, loaded on first use: its tables take a while to read

    return dict(lemminflect.getAllLemmas(word))


def lemmas(word: str) -> list[str]:
    """The word and the base forms it may inflect from (held → hold, countries → country), most likely first.

    lemminflect knows irregular forms; the suffix rules cover words it has never seen.
    """
    out = [word]
    known = _lemma_table(word)
    for pos in ("VERB", "NOUN", "ADJ", "ADV"):
        out += [fold(w) for w in known.get(pos, ())]
    if len(word) > 3:
        if word.endswith("ies"):
            out.append(word[:-3] + "y")
        if word.endswith("es"):
            out.append(word[:-2])
        if word.endswith("s") and not word.endswith("ss"):
            out.append(word[:-1])
        for suffix in ("ed", "ing"):
            if word.endswith(suffix):
                stem = word[: -len(suffix)]
                out += [stem, stem + "e"]
                if len(stem) > 2 and stem[-1] == stem[-2]:
                    out.append(stem[:-1])
                if suffix == "ed" and stem.endswith("i"):
                    out.append(stem[:-1] + "y")
    return list(dict.fromkeys(out))


# Nouns English makes from verbs, the way JMdict glosses Japanese verbal nouns (調印 signing, 署名 signature,
# 改訂 revision, 設立 establishment), and the nouns behind adjectives (European → Europe, political → politics).
_VERB_NOUNS = (("", "ing"), ("", "ion"), ("e", "ion"), ("", "ation"), ("e", "ation"), ("", "ment"), ("", "ature"),
               ("e", "al"), ("", "al"), ("", "ance"), ("", "ence"))
# Nouns behind verbs made with -ize (prioritize → priority 優先, summarize → summary 概要); not -ity, which would
# read realize as reality (現) before its own 実現.
_IZE_NOUNS = (("ize", "y"), ("ise", "y"))
# Adjectives behind adverbs (jointly → joint 共同, individually → individual 個別, geographically → geographic 地理的).
_ADVERB_ADJECTIVES = (("ically", "ic"), ("ally", "al"), ("ily", "y"), ("ably", "able"), ("ibly", "ible"), ("ly", ""))
_ADJECTIVE_NOUNS = (("ean", "e"), ("ian", "ia"), ("ian", "e"), ("an", "a"), ("ese", "a"), ("ese", ""), ("ish", ""),
                     ("al", ""), ("al", "s"), ("ic", "y"), ("ical", "y"))


@lru_cache(maxsize=65536)
def word_forms(word: str) -> tuple[tuple[str, float], ...]:
    """The forms a word is looked up under, with the rank penalty of each: as written, its base forms, the
    nouns those make. Remembered per word (English words recur across questions, and lemmatising is most of
    a lookup's cost)."""
    bases = lemmas(word)
    forms = {word: 0.0}
    for base in bases[1:]:
        forms.setdefault(base, INFLECTION_PENALTY)
    # A verb as inflected (signed, revised) names an act, which JMdict glosses with the act's noun (署名 signature,
    # 改訂 revision): those nouns rank as the base verb does, above a noun that only shares its spelling (sign 目標).
    acts = {fold(w) for w in _lemma_table(word).get("VERB", ())} - {word}
    for base in bases:
        nouns_of_act = set(_act_nouns(base)) if base in acts else set()
        for noun in derived(base):
            forms.setdefault(noun, INFLECTION_PENALTY if noun in nouns_of_act else DERIVATION_PENALTY)
    return tuple(forms.items())


def _act_nouns(base: str) -> list[str]:
    """The nouns of an act a verb may make (sign → signing, signature; revise → revision)."""
    out = [fold(w) for w in _inflections(base).get("VBG", ())]  # setting, taking: as English spells them
    if len(base) > 2:
        out += [base[: len(base) - len(drop)] + add for drop, add in _VERB_NOUNS if base.endswith(drop)]
    return out


def derived(base: str) -> list[str]:
    """Nouns and place names a base form may stand for, when the dictionary glosses those instead."""
    out = _act_nouns(base) + ([base + "s"] if len(base) > 2 else [])
    for suffix, repl in (*_ADJECTIVE_NOUNS, *_IZE_NOUNS):
        if base.endswith(suffix) and len(base) > len(suffix) + 2:
            out.append(base[: -len(suffix)] + repl)
    if set(_lemma_table(base)) == {"ADV"}:  # early and family are words of their own, not adverbs of "ear", "famy"
        out += [base[: -len(suffix)] + repl for suffix, repl in _ADVERB_ADJECTIVES
                if base.endswith(suffix) and len(base) > len(suffix) + 2][:2]
    return [w for w in dict.fromkeys(out) if w != base]


def load_tables() -> None:
    """Read lemminflect's tables now rather than on the first English question, which would wait half a second
    or more for them."""
    import lemminflect

    lemminflect.getAllLemmas("read")
    lemminflect.getAllInflections("read", upos="VERB")


@lru_cache(maxsize=65536)
def _inflections(base: str) -> dict[str, tuple[str, ...]]:
    """lemminflect's forms of a known verb by tag (VBG: setting), looked up once per word."""
    import lemminflect

    return dict(lemminflect.getAllInflections(base, upos="VERB"))


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
NUMBER_WORDS = frozenset({*_NUMBERS, "hundred", "thousand", "million", "billion", "trillion"})


def written_out(word: str) -> tuple[tuple[str, ...], ...]:
    """Month names and small numbers as Japanese documents write them (April → 4 月, nine → 9)."""
    if word in _MONTHS:
        return ((str(_MONTHS.index(word) + 1), "月"),)
    if word in _NUMBERS:
        return ((str(_NUMBERS.index(word) + 1),),)
    return ()
