"""The lexical-scale section: BM25 over synthetic collections up to a million chunks, timed stage by stage."""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from kotae.bench.measure import Stage, Step, folder_bytes, r, rss_anon_mib, sample, summary
from kotae.bench.plan import Plan
from kotae.config import Settings
from kotae.evaluation.gold import GoldItem
from kotae.retrieve import LEXICAL_STAGES


def bench_lexical_scale(settings: Settings, plan: Plan, gold: Sequence[GoldItem], *, workdir: Path,
                        stage: Stage, step: Step) -> list[dict[str, Any]]:
    """Synthetic collections of recombined corpus sentences: build, size on disk, memory-mapped load, and
    query latency with the gold questions, with the time of each stage of a query."""
    from kotae.analyze import get_analyzer
    from kotae.bench.synthetic import sentence_terms
    from kotae.conversation import retrieval_question
    from kotae.store import load_index

    index = load_index(settings, check=False)
    analyzer = get_analyzer(settings.index.term_form)
    clock = time.perf_counter()
    terms = sentence_terms(index.chunks, analyzer)
    analysis_rate = len(index.chunks) / (time.perf_counter() - clock)  # chunks analysed per second
    items = sample(gold, plan.lexical_questions)
    questions = [(i.lang, retrieval_question(i.question, i.history, analyzer)) for i in items]
    stage("Lexical scale", len(plan.lexical_sizes))
    rows = []
    for size in plan.lexical_sizes:
        rows.append(_lexical_size(index, settings, terms, size, questions, workdir / f"lexical-{size}",
                                  analysis_rate))
        step()
    return rows


def _lexical_size(index, settings: Settings, terms, size: int, questions: Sequence[tuple[str, str]],
                  folder: Path, analysis_rate: float) -> dict[str, Any]:
    from kotae.bench.synthetic import recombined_chunks
    from kotae.lexical import LexicalIndex

    clock = time.perf_counter()
    ids, offsets = recombined_chunks(terms, size)
    tokens = int(ids.size)
    built = LexicalIndex.from_term_ids(ids, offsets, terms.vocab)
    build_s = time.perf_counter() - clock
    del ids, offsets
    folder.mkdir(parents=True)
    built.save(folder)
    del built
    anon_before = rss_anon_mib()
    clock = time.perf_counter()
    lexical = LexicalIndex.load(folder, mmap=True)
    load_s = time.perf_counter() - clock
    # The synthetic index has no chunk texts, so this index is only for timing the lexical path; it keeps the
    # real index's analyzer settings and lexicon, so questions become the same queries.
    shell = replace(index, manifest=replace(index.manifest, dense=None), documents={}, chunks=(), lexical=lexical,
                    dense=None)
    row = {"chunks": size, "tokens": tokens, "vocabulary": len(lexical.vocab), "build_s": r(build_s),
           "analysis_s_estimated": r(size / analysis_rate), "bytes": folder_bytes(folder),
           "load_s": r(load_s), "load_private_mib": r(rss_anon_mib() - anon_before),
           **lexical_latency(shell, settings, questions)}
    del shell, lexical
    shutil.rmtree(folder, ignore_errors=True)
    return row


def lexical_latency(index, settings: Settings, questions: Sequence[tuple[str, str]], *,
                    repeats: int = 2) -> dict[str, Any]:
    """Latency of a lexical search (the question made into a query, scored, top k), overall and per question
    language, and the mean time of each stage as the retriever reports it: the profile that says where the
    time goes."""
    from kotae.facade import Kotae

    stages: dict[str, float] = {}

    def timer(name: str, seconds: float) -> None:
        stages[name] = stages.get(name, 0.0) + seconds

    retriever = Kotae(index, settings, timer=timer).retriever
    for _, question in questions:
        retriever.lexical_hits(retriever.query(question))
    stages.clear()  # the warm-up's stages are not part of the profile
    total: list[float] = []
    by_lang: dict[str, list[float]] = {}
    for _ in range(repeats):
        for lang, question in questions:
            clock = time.perf_counter()
            retriever.lexical_hits(retriever.query(question))
            seconds = time.perf_counter() - clock
            total.append(seconds)
            by_lang.setdefault(lang, []).append(seconds)
    count = max(len(total), 1)
    return {**summary(total), "by_lang": {lang: summary(t) for lang, t in sorted(by_lang.items())},
            "stages_ms": {name: r(stages.get(name, 0.0) / count * 1000) for name in LEXICAL_STAGES}}
