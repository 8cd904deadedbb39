"""Gold questions put to a loaded index: searched for retrieval scores, or asked for answer scores too."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from kotae.analyze import match_form
from kotae.evaluation.gold import GoldItem, is_supported
from kotae.evaluation.metrics import AnswerScore, QuestionScore, score_result
from kotae.sentence_rank import learn

if TYPE_CHECKING:
    from kotae.facade import Kotae


def encode_ahead(kotae: Kotae, gold: Sequence[GoldItem], *, mode: str) -> None:
    """Encode the vectors of every gold question (as searched, with its history) in batches before the questions
    are put one by one; nothing to do in lexical mode."""
    kotae.retriever.encode_ahead([kotae.retriever.searched(i.question, i.history) for i in gold], mode=mode)


def run_retrieval(kotae: Kotae, gold: Sequence[GoldItem], *, mode: str | None = None, top_k: int = 10,
                  on_item: Callable[[], None] | None = None) -> list[QuestionScore]:
    """Search every answerable gold question (with its history) and score the ranking."""
    relevant = _relevant_counter(kotae)
    scores = []
    for item in gold:
        if item.answerable:
            result = kotae.search(item.question, history=item.history, mode=mode, top_k=top_k, qid=item.id)
            scores.append(score_result(item, result, relevant(item)))
        if on_item:
            on_item()
    return scores


def run_answers(kotae: Kotae, gold: Sequence[GoldItem], *, mode: str | None = None, top_k: int = 10,
                on_item: Callable[[], None] | None = None) -> tuple[list[QuestionScore], list[AnswerScore]]:
    """Ask every gold question once (with its history): the retrieval scores of the answerable ones, and the
    answer scores of all. `kotae` must not abstain on confidence (open it with Thresholds.never()), so that any
    threshold can be applied afterwards with `abstain_below`, learned ones included."""
    relevant = _relevant_counter(kotae)
    retrieval, answers = [], []
    for item in gold:
        answer = kotae.ask(item.question, history=item.history, mode=mode, top_k=top_k, qid=item.id)
        if item.answerable:
            retrieval.append(score_result(item, answer, relevant(item)))
        supported = not answer.abstained and is_supported([s.text for s in answer.sentences], item.evidence)
        first = supported and is_supported([answer.sentences[0].text], item.evidence)
        short = answer.short_answer
        answers.append(AnswerScore(item, answer.abstained, supported, answer.confidence, answer.mode, answer.lang,
                                   refused=answer.abstained, short=short.text if short else None,
                                   short_en=short.en if short else None, first_supported=first,
                                   coverage=answer.coverage, relatedness=answer.relatedness))
        if on_item:
            on_item()
    return retrieval, answers


def learn_ranker(kotae: Kotae, gold: Sequence[GoldItem], *, mode: str,
                 on_item: Callable[[], None] | None = None) -> dict[str, dict[str, list[float]]]:
    """The sentence ranker's weights for `mode`, per language (Japanese and mixed questions together), learned from
    the candidate sentences of every answerable gold question, those quoting its evidence as the good ones."""
    examples: dict[str, list] = {}
    for item in gold:
        if item.answerable:
            _, lang, found = kotae.answerer.candidates(item.question, history=item.history, mode=mode)
            good = [is_supported([sentence.text], item.evidence) for sentence, _ in found]
            examples.setdefault("en" if lang == "en" else "ja", []).append(([c for _, c in found], good))
        if on_item:
            on_item()
    return {mode: {lang: learn(sets) for lang, sets in sorted(examples.items())}}


def _relevant_counter(kotae: Kotae) -> Callable[[GoldItem], int]:
    """How many chunks of the index hold one of an item's evidence quotes (for the ideal DCG)."""
    chunk_forms = [match_form(c.text) for c in kotae.index.chunks]  # normalised once, not per question

    def count(item: GoldItem) -> int:
        quotes = [match_form(q) for q in item.evidence if q.strip()]
        return sum(any(q in form for q in quotes) for form in chunk_forms)

    return count
