"""Retrieval evaluation against a gold file: relevance is evidence containment, so chunking cannot game it."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kotae.analyze import match_form
from kotae.errors import ConfigError
from kotae.types import SearchResult

CUTOFFS = (1, 5, 10)


@dataclass(frozen=True)
class GoldItem:
    id: str
    lang: str
    question: str
    answer: str | None
    evidence: tuple[str, ...]
    doc_id: str | None = None
    type: str = "unknown"
    history: tuple[dict[str, Any], ...] = ()

    @property
    def answerable(self) -> bool:
        return bool(self.evidence)


def load_gold(path: Path) -> list[GoldItem]:
    """Read a gold JSONL file; each line needs id, lang, question, answer and evidence."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"The gold file {path} does not exist.") from None
    items: list[GoldItem] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            item = GoldItem(id=str(row["id"]), lang=str(row["lang"]), question=str(row["question"]),
                            answer=row.get("answer"), evidence=tuple(row.get("evidence") or ()),
                            doc_id=row.get("doc_id"), type=str(row.get("type") or "unknown"),
                            history=tuple(row.get("history") or ()))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}:{n} is not a gold item ({exc.__class__.__name__}: {exc}).") from None
        if item.id in seen:
            raise ConfigError(f"{path}:{n} repeats the id {item.id!r}.")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise ConfigError(f"The gold file {path} has no questions.")
    return items


def is_relevant(text: str, evidence: Iterable[str]) -> bool:
    """A passage is relevant when it contains an evidence quote (NFKC, case and white space ignored)."""
    haystack = match_form(text)
    return any(match_form(quote) in haystack for quote in evidence if quote.strip())


@dataclass(frozen=True)
class QuestionScore:
    item: GoldItem
    ranks: tuple[int, ...]  # 1-based ranks of relevant passages
    n_relevant: int  # relevant chunks in the whole index, for the ideal DCG
    query_terms: tuple[Any, ...] = ()
    top: tuple[str, ...] = ()  # chunk ids returned, for the miss listing

    def hit(self, k: int) -> float:
        return float(any(r <= k for r in self.ranks))

    def rr(self, k: int = 10) -> float:
        first = min((r for r in self.ranks if r <= k), default=None)
        return 1.0 / first if first else 0.0

    def ndcg(self, k: int = 10) -> float:
        dcg = sum(1.0 / math.log2(r + 1) for r in self.ranks if r <= k)
        ideal = sum(1.0 / math.log2(r + 1) for r in range(1, min(self.n_relevant, k) + 1))
        return dcg / ideal if ideal else 0.0


def score_result(item: GoldItem, result: SearchResult, n_relevant: int) -> QuestionScore:
    """Score the passages of a search result (or of an answer, which carries the same fields)."""
    ranks = tuple(p.rank for p in result.passages if is_relevant(p.text, item.evidence))
    return QuestionScore(item=item, ranks=ranks, n_relevant=max(n_relevant, len(ranks)),
                         query_terms=result.query_terms, top=tuple(p.chunk_id for p in result.passages))


METRICS: dict[str, Callable[[QuestionScore], float]] = {
    **{f"R@{k}": (lambda s, k=k: s.hit(k)) for k in CUTOFFS},
    "MRR@10": lambda s: s.rr(10),
    "nDCG@10": lambda s: s.ndcg(10),
}


@dataclass(frozen=True)
class Summary:
    """Mean and 95% bootstrap interval of each metric over a group of questions."""

    group: str
    n: int
    means: dict[str, float]
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)


def summarize(group: str, scores: Sequence[QuestionScore], *, resamples: int = 1000, seed: int = 0) -> Summary:
    means, intervals = {}, {}
    for name, metric in METRICS.items():
        values = [metric(s) for s in scores]
        means[name] = sum(values) / len(values) if values else 0.0
        intervals[name] = bootstrap_interval(values, resamples=resamples, seed=seed)
    return Summary(group=group, n=len(scores), means=means, intervals=intervals)


def bootstrap_interval(values: Sequence[float], *, resamples: int = 1000, seed: int = 0,
                       level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean; seeded, so reports are reproducible."""
    if not values:
        return (0.0, 0.0)
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(values[rng.randrange(n)] for _ in range(n)) / n for _ in range(resamples))
    lo = means[int((1 - level) / 2 * resamples)]
    hi = means[min(resamples - 1, int((1 + level) / 2 * resamples))]
    return (lo, hi)


def group_scores(scores: Sequence[QuestionScore]) -> dict[str, list[QuestionScore]]:
    """Answerable questions grouped as `all`, `lang:xx` and `type:yy`."""
    groups: dict[str, list[QuestionScore]] = {"all": list(scores)}
    for s in scores:
        groups.setdefault(f"lang:{s.item.lang}", []).append(s)
    for s in scores:
        groups.setdefault(f"type:{s.item.type}", []).append(s)
    return groups


def run_retrieval(retriever, gold: Sequence[GoldItem], *, mode: str | None = None, top_k: int = 10,
                  on_item: Callable[[], None] | None = None) -> list[QuestionScore]:
    """Search every answerable gold question (with its history) and score the ranking."""
    from kotae.conversation import retrieval_question

    relevant = _relevant_counter(retriever)
    scores = []
    for item in gold:
        if item.answerable:
            question = retrieval_question(item.question, item.history, retriever.analyzer)
            result = retriever.search(question, mode=mode, top_k=top_k, qid=item.id)
            scores.append(score_result(item, result, relevant(item)))
        if on_item:
            on_item()
    return scores


def _relevant_counter(retriever) -> Callable[[GoldItem], int]:
    """How many chunks of the index hold one of an item's evidence quotes (for the ideal DCG)."""
    chunk_forms = [match_form(c.text) for c in retriever.index.chunks]  # normalised once, not per question

    def count(item: GoldItem) -> int:
        quotes = [match_form(q) for q in item.evidence if q.strip()]
        return sum(any(q in form for q in quotes) for form in chunk_forms)

    return count


def report(scores: Sequence[QuestionScore], *, mode: str, resamples: int = 1000) -> dict[str, Any]:
    """Summaries per group and the misses (no relevant passage in the top 5), as plain JSON."""
    groups = {name: summarize(name, group, resamples=resamples) for name, group in group_scores(scores).items()}
    return {
        "mode": mode,
        "questions": len(scores),
        "groups": {name: {"n": s.n, **s.means,
                          "ci95": {k: [round(a, 4), round(b, 4)] for k, (a, b) in s.intervals.items()}}
                   for name, s in groups.items()},
        "misses": [{"id": s.item.id, "lang": s.item.lang, "type": s.item.type, "question": s.item.question,
                    "evidence": list(s.item.evidence), "query_terms": list(s.query_terms), "top": list(s.top[:5])}
                   for s in scores if not s.hit(5)],
    }


def markdown(rep: dict[str, Any]) -> str:
    names = list(METRICS)
    lines = [f"# Retrieval evaluation ({rep['mode']}, {rep['questions']} answerable questions)", "",
             "| group | n | " + " | ".join(names) + " |", "|---|---:|" + "---:|" * len(names)]
    for group, row in rep["groups"].items():
        cells = [f"{row[m]:.3f} [{row['ci95'][m][0]:.2f}–{row['ci95'][m][1]:.2f}]" for m in names]
        lines.append(f"| {group} | {row['n']} | " + " | ".join(cells) + " |")
    if rep.get("answers"):
        lines += ["", "## Answers", "", "| group | n | support | abstention precision | abstention recall | "
                  "false abstention |", "|---|---:|---:|---:|---:|---:|"]
        lines += [f"| {g} | {r['n']} | {r['support']:.3f} | {r['abstention_precision']:.3f} | "
                  f"{r['abstention_recall']:.3f} | {r['false_abstention']:.3f} |" for g, r in rep["answers"].items()]
    lines += ["", f"## Misses at 5 ({len(rep['misses'])})", ""]
    lines += [f"- `{m['id']}` ({m['type']}) {m['question']} — terms: {json.dumps(m['query_terms'], ensure_ascii=False)}"
              for m in rep["misses"]]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class AnswerScore:
    """One gold question asked through `ask`: abstained or not, and whether the answer quotes the evidence."""

    item: GoldItem
    abstained: bool
    supported: bool
    confidence: float
    mode: str
    lang: str
    refused: bool = False  # abstained whatever the threshold: nothing found, or the language model refused


def is_supported(sentences: Iterable[str], evidence: Iterable[str]) -> bool:
    """An answer is supported when a cited sentence contains an evidence quote (or lies inside one)."""
    quotes = [match_form(q) for q in evidence if q.strip()]
    return any(q in s or (len(s) >= 8 and s in q) for s in map(match_form, sentences) for q in quotes)


def run_answers(answerer, gold: Sequence[GoldItem], *, mode: str | None = None, top_k: int = 10,
                on_item: Callable[[], None] | None = None) -> tuple[list[QuestionScore], list[AnswerScore]]:
    """Ask every gold question once (with its history): the retrieval scores of the answerable ones, and the
    answer scores of all. The answerer must not abstain on confidence (Thresholds.never()), so that any
    threshold can be applied afterwards with `abstain_below`, learned ones included."""
    relevant = _relevant_counter(answerer.retriever)
    retrieval, answers = [], []
    for item in gold:
        answer = answerer.ask(item.question, history=item.history, mode=mode, top_k=top_k, qid=item.id)
        if item.answerable:
            retrieval.append(score_result(item, answer, relevant(item)))
        supported = not answer.abstained and is_supported([s.text for s in answer.sentences], item.evidence)
        answers.append(AnswerScore(item, answer.abstained, supported, answer.confidence, answer.mode, answer.lang,
                                   refused=answer.abstained))
        if on_item:
            on_item()
    return retrieval, answers


def abstain_below(scores: Sequence[AnswerScore], thresholds) -> list[AnswerScore]:
    """The scores as `ask` would give them with these thresholds: below its threshold a question abstains."""
    return [replace(s, abstained=s.refused or s.confidence < thresholds.get(s.mode, s.lang)) for s in scores]


def answer_metrics(scores: Sequence[AnswerScore]) -> dict[str, float | int]:
    """Answer support (of answered answerable questions), abstention precision and recall, false abstention."""
    answerable = [s for s in scores if s.item.answerable]
    unanswerable = [s for s in scores if not s.item.answerable]
    answered = [s for s in answerable if not s.abstained]
    abstained = [s for s in scores if s.abstained]

    def share(part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    return {"n": len(scores), "answerable": len(answerable), "unanswerable": len(unanswerable),
            "support": share(sum(s.supported for s in answered), len(answered)),
            "abstention_precision": share(sum(not s.item.answerable for s in abstained), len(abstained)),
            "abstention_recall": share(sum(s.abstained for s in unanswerable), len(unanswerable)),
            "false_abstention": share(sum(s.abstained for s in answerable), len(answerable))}


def answer_report(scores: Sequence[AnswerScore]) -> dict[str, dict[str, float | int]]:
    groups = {"all": list(scores)}
    for s in scores:
        groups.setdefault(f"lang:{s.item.lang}", []).append(s)
    return {name: answer_metrics(group) for name, group in groups.items()}


def learn_thresholds(scores: Sequence[AnswerScore], *, max_false: float = 0.05) -> dict[str, dict[str, float]]:
    """Per mode and language, the highest confidence threshold that abstains on at most `max_false` of the
    answerable questions: as many unanswerable questions refused as that allows. Mixed questions (Japanese
    with English words) are too few to learn from and share the Japanese threshold."""
    out: dict[str, dict[str, float]] = {}

    def lang_of(s: AnswerScore) -> str:
        return "en" if s.lang == "en" else "ja"

    keys = sorted({(s.mode, lang_of(s)) for s in scores})
    for mode, lang in keys:
        group = [s for s in scores if (s.mode, lang_of(s)) == (mode, lang)]
        good = sorted(s.confidence for s in group if s.item.answerable)
        if not good:
            continue
        allowed = int(max_false * len(good))  # answerable questions that may fall below the threshold
        floor = good[allowed]  # the threshold may not exceed this confidence
        below = [c for c in good if c < floor]
        # Halfway between the highest confidence allowed below and the floor, so a tie does not flip.
        out.setdefault(mode, {})[lang] = round((max(below) + floor) / 2 if below else floor, 4)
    return out
