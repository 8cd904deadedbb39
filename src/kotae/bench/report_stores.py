"""The stores section's table: the local store and Milvus side by side."""

from __future__ import annotations

from typing import Any


def stores_table(results: dict[str, Any]) -> list[str]:
    stores = results.get("stores")
    if not stores:
        return []
    if "skipped" in stores:
        return ["## Stores: local and Milvus", "", f"Not measured: {stores['skipped']}"]
    corpus, synthetic = stores["corpus"], stores["synthetic"]
    skipped = synthetic.get("skipped")
    scale = (f"Synthetic collection of {synthetic['chunks']:,} chunks not measured: {skipped}" if skipped else
             f"BM25 arrays and the vector index ({synthetic['dense_index']}) for {synthetic['chunks']:,} synthetic "
             f"chunks of {synthetic['dimension']} dimensions.")
    rows = ["## Stores: local and Milvus", "",
            f"The same chunks, vectors and questions in each store; Milvus is {stores['milvus']}. Build: the whole "
            f"index for the corpus (embedding included, no build cache). {scale} Search: in process, p50 / p99 in "
            "ms.", "",
            "| collection | store | build s | lexical p50 / p99 | dense p50 / p99 | hybrid p50 / p99 |",
            "|---|---|---:|---:|---:|---:|"]
    parts = [(f"corpus ({corpus['local']['chunks']:,} chunks)", corpus)]
    parts += [] if skipped else [(f"synthetic ({synthetic['chunks']:,} chunks)", synthetic)]
    for name, part in parts:
        for store in ("local", "milvus"):
            row = part[store]
            cells = [_ms(row["search"].get(mode)) for mode in ("lexical", "dense", "hybrid")]
            rows.append(f"| {name} | {store} | {row['build_s']:.2f} | {' | '.join(cells)} |")
    return rows


def _ms(stats: dict[str, float] | None) -> str:
    return "—" if not stats else f"{stats['p50_ms']:.2f} / {stats['p99_ms']:.2f}"
