"""The index-build section: build time by stage and size on disk, for the corpus and bigger recombined ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kotae.bench.measure import Stage, Step, folder_bytes
from kotae.bench.plan import Plan
from kotae.config import Settings
from kotae.embed import Embedder


def index_settings(base: Settings, index_dir: Path, model: str, **changes: Any) -> Settings:
    """`base` building into `index_dir` with `model`, and any other changes."""
    return base.replace(index_dir=index_dir, embed_model=model, **changes)


def bench_build(settings: Settings, plan: Plan, *, model: str, workdir: Path, stage: Stage, step: Step,
                embedder: Embedder | None = None) -> list[dict[str, Any]]:
    """Build time by stage for the corpus and for recombined corpora several times its size; `embedder` is
    `model` loaded already (so the dense stage is the embedding and indexing alone), None to load it per build."""
    from kotae.bench.synthetic import write_recombined_corpus
    from kotae.build import build_index
    from kotae.load import load_corpus

    docs = load_corpus(settings.index.corpus_dir)
    stage("Index build", len(plan.corpus_multiples))
    rows = []
    for multiple in plan.corpus_multiples:
        folder = workdir / f"corpus-x{multiple}"
        corpus = settings.index.corpus_dir if multiple == 1 else write_recombined_corpus(docs, folder / "corpus",
                                                                                    multiple=multiple)
        built = index_settings(settings, folder / "index", model, corpus_dir=corpus)
        manifest = build_index(built, embedder=embedder).manifest
        seconds = {k: round(v, 3) for k, v in manifest.build_seconds.items()}
        rows.append({"multiple": multiple, "documents": manifest.corpus.documents,
                     "characters": manifest.corpus.characters, "chunks": manifest.chunker.chunks,
                     "seconds": seconds, "total_s": round(sum(seconds.values()), 3),
                     "bytes": folder_bytes(folder / "index")})
        step()
    return rows
