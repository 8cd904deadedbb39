"""The rebuild section: a corpus of many small files built from scratch, again unchanged, and after one file changes."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from kotae.bench.build import index_settings
from kotae.bench.measure import Stage, Step
from kotae.bench.plan import Plan
from kotae.config import Settings
from kotae.embed import Embedder


def bench_rebuild(settings: Settings, plan: Plan, *, model: str, workdir: Path, stage: Stage, step: Step,
                  embedder: Embedder | None = None) -> dict[str, Any]:
    """Wall time of three builds into one index folder: the first (nothing cached), a second with no change, and a
    third after one file of the corpus changed, with what each reused from the build cache."""
    from kotae.bench.synthetic import write_recombined_corpus
    from kotae.build import build_index
    from kotae.load import load_corpus

    docs = load_corpus(settings.index.corpus_dir)
    folder = workdir / "rebuild"
    corpus = write_recombined_corpus(docs, folder / "corpus", count=plan.rebuild_files, chars=plan.rebuild_chars)
    built = index_settings(settings, folder / "index", model, corpus_dir=corpus)
    stage(f"Rebuilds of {plan.rebuild_files:,} files", 3)
    rows: dict[str, Any] = {"files": plan.rebuild_files, "model": model}
    for name in ("full", "unchanged", "one_file"):
        if name == "one_file":
            changed = sorted(corpus.glob("*.md"))[len(docs) // 2]
            changed.write_text(changed.read_text(encoding="utf-8") + "\n追加された一文。\n", encoding="utf-8")
        clock = time.perf_counter()
        result = build_index(built, embedder=embedder)
        rows[f"{name}_s"] = round(time.perf_counter() - clock, 3)
        rows[f"{name}_reused"] = result.cache
        rows["chunks"] = result.manifest.chunker.chunks
        rows["dense"] = result.manifest.dense is not None
        step()
    return rows
