"""The benchmark's results as files: bench.json, bench.md (tables) and PNG charts (with matplotlib)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kotae.bench.report_stores import stores_table
from kotae.bench.run import serving_loads

CHART_NEEDS = "The charts need matplotlib: pip install 'kotae[eval]'."
COMMAND = "kotae bench"


def write_reports(results: dict[str, Any], out: Path) -> list[str]:
    """Write everything into `out`; returns the file names written (charts only when matplotlib is there)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "bench.md").write_text(markdown(results), encoding="utf-8")
    return ["bench.json", "bench.md", *charts(results, out)]


FLAGS = {"full": "", "quick": " --quick", "model": " --only model", "rebuild": " --only rebuild",
         "stores": " --only stores"}


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    plan = results["plan"]["name"]
    lines = [f"# kotae bench{'' if plan == 'full' else f' ({plan})'}", "",
             f"`{COMMAND}{FLAGS.get(plan, '')}` on {m['cpus']} CPUs, {m['memory_gib']} GiB, "
             f"{m['platform']}; Python {m['python']}, faiss {m['faiss-cpu']}, bm25s {m['bm25s']}, "
             f"numpy {m['numpy']}; embedding model {_model(results)}. {results['seconds']:.0f} s in all; load "
             f"average {_load(results)} (the machine's other work shows here).", ""]
    for section in (targets_table, build_table, rebuild_table, latency_table, model_table, lexical_table, profile_table,
                    vectors_table, http_table, stores_table):
        rows = section(results)  # empty for a section the plan did not run
        lines += rows + [""] if rows else []
    return "\n".join(lines).rstrip() + "\n"


def targets_table(results: dict[str, Any]) -> list[str]:
    rows = ["## Targets", "", "| target | limit | measured | met |", "|---|---:|---:|---|"]
    for t in results["targets"]:
        limit = f"≥ {t['limit']:g}" if t["unit"] == "≥" else f"≤ {t['limit']:g} {t['unit']}"
        value = "not measured" if t["measured"] is None else f"{t['measured']:g}"
        met = "—" if t["met"] is None else ("yes" if t["met"] else "**no**")
        rows.append(f"| {t['target']} | {limit} | {value} | {met} |")
    return rows


def build_table(results: dict[str, Any]) -> list[str]:
    rows = [f"## Index build (lexical, lexicon, dense with {_model(results)})", "",
            "The corpus (×1), then corpora recombined from its sentences at k times its size.", "",
            "| corpus | documents | characters | chunks | chunking s | analysis + BM25 s | lexicon s | dense s "
            "| writing s | total s | size MB |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results["build"]:
        s = r["seconds"]
        rows.append(f"| ×{r['multiple']} | {r['documents']} | {r['characters']:,} | {r['chunks']:,} | "
                    f"{s.get('load_and_chunk', 0):.2f} | {s.get('lexical', 0):.2f} | {s.get('lexicon', 0):.2f} | "
                    f"{s.get('dense', 0):.2f} | {s.get('write', 0):.2f} | {r['total_s']:.2f} | {_mb(r['bytes'])} |")
    return rows


def rebuild_table(results: dict[str, Any]) -> list[str]:
    r = results.get("rebuild")
    if not r:
        return []
    vectors = f"with vectors ({r['model']})" if r["dense"] else "lexical only"
    rows = [f"## Rebuilds ({r['files']:,} small files, {r['chunks']:,} chunks, {vectors})", "",
            "Three builds into one index folder: the first, one with nothing changed, one after a file changed. "
            "Files, chunks' terms and vectors seen before come from the build cache.", "",
            "| build | seconds | reused |", "|---|---:|---|"]
    for name, label in (("full", "first (nothing cached)"), ("unchanged", "nothing changed"),
                        ("one_file", "one file changed")):
        reused = (r[f"{name}_reused"] or "").removeprefix("Reused from earlier builds: ").rstrip(".")
        rows.append(f"| {label} | {r[f'{name}_s']:.2f} | {reused} |")
    return rows


def latency_table(results: dict[str, Any]) -> list[str]:
    lat = results.get("latency")
    if not lat:
        return []
    rows = ["## Query latency, in process", "",
            f"{lat['questions']} gold questions × {lat['repeats']}, warm, after a warm-up pass; dense vectors from "
            f"{_model(results)}, every question encoded afresh.", "",
            "| call | p50 ms | p95 ms | p99 ms | mean ms |", "|---|---:|---:|---:|---:|"]
    for name, s in lat["modes"].items():
        rows.append(f"| {name} | {s['p50_ms']:.2f} | {s['p95_ms']:.2f} | {s['p99_ms']:.2f} | {s['mean_ms']:.2f} |")
    return rows


def model_table(results: dict[str, Any]) -> list[str]:
    m = results.get("model")
    if not m:
        return []
    if "encoder" not in m:
        return ["## Embedding model", "", f"Not measured: {m['skipped']}"]
    e, h, b = m["encoder"], m["hybrid_search"], m["synthetic_build"]
    rows = [f"## Embedding model: {m['model']} ({m['backend']}, {m['dimension']} dimensions)", "",
            f"{m['questions']} gold questions, each with a number of its own so nothing is cached, one at a time, "
            "after a warm-up.", "", "| call | p50 ms | p95 ms | p99 ms | mean ms |", "|---|---:|---:|---:|---:|",
            f"| encode one question (encoder alone) | {e['p50_ms']:.2f} | {e['p95_ms']:.2f} | {e['p99_ms']:.2f} | "
            f"{e['mean_ms']:.2f} |",
            f"| search, hybrid (vector cache off) | {h['p50_ms']:.2f} | {h['p95_ms']:.2f} | {h['p99_ms']:.2f} | "
            f"{h['mean_ms']:.2f} |", "",
            f"Bare encoder, single queries: {e['rate_per_s']:.1f} questions/s measured "
            f"({e['rate_per_s_from_p50']:.1f} from 1/p50).", "",
            f"### Build of {b['chunks']:,} synthetic chunks ({b['characters']:,} characters of recombined "
            "sentences)", "",
            "| analysis + BM25 s | passages embedded | embedding s | passages/s | embedding all s | FAISS index s "
            "| total s |", "|---:|---:|---:|---:|---:|---:|---:|",
            f"| {b['lexical_s']:.1f} | {b['embedded']:,} | {b['embed_s']:.1f} | {b['passages_per_s']:.1f} | "
            f"{b['embed_s_all']:.0f}{' (est.)' if b['embed_all_estimated'] else ''} | {b['dense_index_s']:.2f} "
            f"({b['dense_index_type']}) | {b['total_s']:.0f} |"]
    if b["embed_all_estimated"]:
        rows += ["", f"Only {b['embedded']:,} of the {b['chunks']:,} passages were embedded: the rate on them, applied "
                 "to all, gives the embedding time; the FAISS index holds as many vectors as chunks."]
    return rows


def lexical_table(results: dict[str, Any]) -> list[str]:
    if "lexical_scale" not in results:
        return []
    rows = ["## Lexical retrieval at scale", "",
            "Synthetic collections of the corpus's sentences recombined into chunks (same vocabulary and chunk "
            "lengths), the gold questions as queries, the index memory-mapped. Build is BM25 from term ids; "
            "analysis (MeCab) is estimated from the corpus's rate.", "",
            "| chunks | postings | build s | analysis s (est.) | index MB | load s | p50 ms | p95 ms | p99 ms "
            "| ja p50 | en p50 |", "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results["lexical_scale"]:
        langs = r.get("by_lang", {})
        rows.append(f"| {r['chunks']:,} | {r['tokens']:,} | {r['build_s']:.1f} | {r['analysis_s_estimated']:.0f} | "
                    f"{_mb(r['bytes'])} | {r['load_s']:.2f} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | "
                    f"{r['p99_ms']:.2f} | {_p50(langs, 'ja')} | {_p50(langs, 'en')} |")
    return rows


def profile_table(results: dict[str, Any]) -> list[str]:
    scale = results.get("lexical_scale")
    if not scale:
        return []
    stages = list(scale[0]["stages_ms"])
    rows = ["### Where a lexical query's time goes (mean ms per query)", "",
            "| chunks | " + " | ".join(stages) + " |", "|---:|" + "---:|" * len(stages)]
    rows += [f"| {r['chunks']:,} | " + " | ".join(f"{r['stages_ms'][s]:.2f}" for s in stages) + " |" for r in scale]
    return rows


def vectors_table(results: dict[str, Any]) -> list[str]:
    v = results.get("vectors")
    if not v:
        return []
    if "skipped" in v:
        return ["## Vector indexes", "", f"Not measured: {v['skipped']}"]
    rows = [f"## Vector indexes: {v['count']:,} vectors × {v['dimension']}", "",
            f"{v['data']}; {v['queries']} queries from the same distribution, one at a time, {v['threads']} "
            "FAISS threads; recall@10 against exact (flat) search.", "",
            "| index | parameter | build s | file MB | in memory MB | bytes/vector in memory | p50 ms | p95 ms "
            "| recall@10 |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in v["indexes"]:
        param = (f"efSearch {r['ef_search']}" if "ef_search" in r else f"nprobe {r['nprobe']}" if "nprobe" in r
                 else "exact")
        rows.append(f"| {_index_name(r)} | {param} | {r['build_s']:.1f} | {_mb(r['bytes'])} | "
                    f"{_mb(r['resident_bytes'])} | {r['resident_bytes_per_vector']:.0f} | {r['p50_ms']:.3f} | "
                    f"{r['p95_ms']:.3f} | {r['recall_at_10']:.3f} |")
    rows += ["", "In memory: what must stay resident for searches to be fast. IVF-PQ keeps its compressed codes "
             "there and reads the full vectors of its re-ranked candidates from the memory-mapped file."]
    return rows


def http_table(results: dict[str, Any]) -> list[str]:
    http = results.get("http")
    if not http:
        return []
    if "skipped" in http:
        return ["## HTTP", "", f"Not measured: {http['skipped']}"]
    rows = ["## HTTP", "", f"{http['requests']} requests per endpoint, {http['concurrency']} at a time from a client "
            f"on the same machine, against one server process ({http['server']}); questions cycle through the gold "
            "file. The ratio below compares lexical asks, kotae's own work per request, with the trivial `/livez`.", "",
            "| endpoint | requests/s | p50 ms | p95 ms |", "|---|---:|---:|---:|"]
    for name, e in http["endpoints"].items():
        rows.append(f"| {name} | {e['rps']:.0f} | {e['p50_ms']:.2f} | {e['p95_ms']:.2f} |")
    rows += ["", f"`/v1/ask` throughput is {http['ask_vs_trivial']:.0%} of the trivial endpoint's. Server resident "
             f"memory: {http['rss_mib_started']:.0f} MiB after start-up, {http['rss_mib_after']:.0f} MiB after "
             "the load."]
    return rows + distinct_table(results)


def distinct_table(results: dict[str, Any]) -> list[str]:
    d = results["http"].get("distinct", {})
    if "skipped" in d:
        return ["", f"Distinct questions not loaded: {d['skipped']}"]
    rate = results.get("model", {}).get("encoder", {}).get("rate_per_s")
    per_core = results["http"].get("distinct_workers")
    rows = ["", f"### `POST {d['path']}`, {d['mode']}, distinct questions", "",
            f"Every request asks a gold question with a number of its own, so each one runs the encoder; "
            f"{d['seconds']:g} s per load, from {d['generator']} on the same machine."
            + (f" Served by one process, then by {per_core['workers']} (`kotae serve --workers "
               f"{per_core['workers']}`, each encoding on its share of the cores; the targets read these)."
               if per_core else ""), "",
            "| server processes | clients | requests | requests/s | vs bare encoder | p50 ms | p99 ms | errors |",
            "|---:|---:|---:|---:|---:|---:|---:|---|"]
    for processes, run in ((1, d), *(((per_core["workers"], per_core),) if per_core else ())):
        for load in run["loads"].values():
            ratio = f"{load['rps'] / rate:.2f}×" if rate else "—"
            errors = ", ".join(f"{k} {n}" for k, n in load["errors"].items()) or "0"
            rows.append(f"| {processes} | {load['clients']} | {load['requests']:,} | {load['rps']:.1f} | {ratio} | "
                        f"{load.get('p50_ms', 0):.1f} | {load.get('p99_ms', 0):.1f} | {errors} |")
    if rate:
        rows += ["", f"Bare encoder in the same run: {rate:.1f} questions/s, one at a time (see the model section)."]
    return rows


def _model(results: dict[str, Any]) -> str:
    name = results.get("embed_model", "none")
    return "none (lexical only)" if name.lower() == "none" else f"`{name}`"


def _load(results: dict[str, Any]) -> str:
    load = results.get("load_average", {})
    start, end = load.get("start"), load.get("end")
    return f"{start[0]:.1f} at the start, {end[0]:.1f} at the end" if start and end else "unknown"


def _index_name(r: dict[str, Any]) -> str:
    if r["type"] == "hnsw":
        return f"HNSW (M {r['hnsw_m']})"
    if r["type"] == "ivfpq":
        return f"IVF-PQ ({r['nlist']} lists, {r['pq_m']}×{r['pq_bits']} bits, re-rank ×{r['refine_factor']})"
    return "flat"


def _p50(langs: dict[str, Any], lang: str) -> str:
    return f"{langs[lang]['p50_ms']:.2f}" if lang in langs else "—"


def _mb(size: int) -> str:
    return f"{size / 1e6:,.1f}"


# Charts -------------------------------------------------------------------------------------------------------


def charts(results: dict[str, Any], out: Path) -> list[str]:
    """PNG charts; none (and no error) without matplotlib, as the tables say everything the charts do."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    written = []
    for name, draw in (("build.png", _build_chart), ("latency.png", _latency_chart),
                       ("lexical_scale.png", _lexical_chart), ("vectors.png", _vectors_chart),
                       ("model.png", _model_chart)):
        fig = draw(plt, results)
        if fig is not None:
            fig.tight_layout()
            fig.savefig(out / name, dpi=120)
            plt.close(fig)
            written.append(name)
    return written


def _build_chart(plt, results):
    rows = results["build"]
    stages = ("load_and_chunk", "lexical", "lexicon", "dense", "write")
    labels = ("chunking", "analysis + BM25", "lexicon", "dense (embedding)", "writing")
    fig, ax = plt.subplots(figsize=(7, 4))
    x = [f"×{r['multiple']}\n{r['characters'] / 1000:,.0f}k chars" for r in rows]
    bottom = [0.0] * len(rows)
    for stage, label in zip(stages, labels):
        values = [r["seconds"].get(stage, 0.0) for r in rows]
        ax.bar(x, values, bottom=bottom, label=label)
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_ylabel("seconds")
    ax.set_title("Index build time by stage")
    ax.legend(fontsize=8)
    return fig


def _latency_chart(plt, results):
    if "latency" not in results:
        return None
    modes = results["latency"]["modes"]
    fig, ax = plt.subplots(figsize=(7, 4))
    names = list(modes)
    width = 0.27
    for n, (p, label) in enumerate((("p50_ms", "p50"), ("p95_ms", "p95"), ("p99_ms", "p99"))):
        ax.bar([i + (n - 1) * width for i in range(len(names))], [modes[m][p] for m in names], width, label=label)
    ax.set_xticks(range(len(names)), names, rotation=15, fontsize=8)
    ax.set_ylabel("milliseconds")
    ax.set_title("In-process latency per call (gold questions)")
    ax.legend()
    return fig


def _lexical_chart(plt, results):
    rows = results.get("lexical_scale")
    if not rows:
        return None
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    sizes = [r["chunks"] for r in rows]
    for key, label in (("p50_ms", "p50"), ("p95_ms", "p95")):
        left.plot(sizes, [r[key] for r in rows], marker="o", label=label)
    for lang in ("ja", "en"):
        left.plot(sizes, [r["by_lang"].get(lang, {}).get("p50_ms", float("nan")) for r in rows], marker=".",
                  linestyle="--", label=f"p50 {lang}")
    left.axhline(50, color="grey", linewidth=0.8, linestyle=":", label="50 ms target")
    left.set(xscale="log", yscale="log", xlabel="chunks", ylabel="ms", title="Lexical query latency")
    left.legend(fontsize=8)
    right.plot(sizes, [r["bytes"] / 1e6 for r in rows], marker="o")
    right.set(xscale="log", yscale="log", xlabel="chunks", ylabel="MB", title="Lexical index size")
    return fig


def _vectors_chart(plt, results):
    v = results.get("vectors", {"skipped": "not in the plan"})
    if "skipped" in v:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for kind, marker in (("flat", "s"), ("hnsw", "o"), ("ivfpq", "^")):
        rows = [r for r in v["indexes"] if r["type"] == kind]
        if rows:
            ax.plot([r["p50_ms"] for r in rows], [r["recall_at_10"] for r in rows], marker=marker,
                    label=_index_name(rows[0]))
            for r in rows:
                if "ef_search" in r or "nprobe" in r:
                    ax.annotate(str(r.get("ef_search", r.get("nprobe"))), (r["p50_ms"], r["recall_at_10"]),
                                fontsize=7, xytext=(3, -8), textcoords="offset points")
    ax.axhline(0.95, color="grey", linewidth=0.8, linestyle=":")
    ax.axvline(5, color="grey", linewidth=0.8, linestyle=":")
    ax.set(xscale="log", xlabel="p50 latency per query, ms (log)", ylabel="recall@10 vs flat",
           title=f"{v['count']:,} vectors × {v['dimension']}: recall vs latency (labels: efSearch / nprobe)")
    ax.legend(fontsize=8)
    return fig


def _model_chart(plt, results):
    encoder = results.get("model", {}).get("encoder")
    loads = serving_loads(results.get("http", {}))
    if not encoder or not loads:
        return None
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    names = ["encode\n(alone)", "hybrid search\n(in process)"] + [f"/v1/ask\n{c} clients" for c in loads]
    stats = [encoder, results["model"]["hybrid_search"], *loads.values()]
    x = range(len(names))
    left.bar([i - 0.2 for i in x], [s["p50_ms"] for s in stats], 0.4, label="p50")
    left.bar([i + 0.2 for i in x], [s["p99_ms"] for s in stats], 0.4, label="p99")
    left.set_xticks(list(x), names, fontsize=8)
    left.set(ylabel="milliseconds", title="Latency of never-seen questions")
    left.legend()
    bars = {"bare encoder": encoder["rate_per_s"], **{f"/v1/ask, {c} clients": v["rps"] for c, v in loads.items()}}
    right.bar(list(bars), list(bars.values()), color=["grey"] + ["C0"] * len(loads))
    right.axhline(0.8 * encoder["rate_per_s"], color="grey", linewidth=0.8, linestyle=":", label="0.8 × encoder")
    right.set(ylabel="questions per second", title="Throughput, distinct questions")
    right.tick_params(axis="x", labelsize=8)
    right.legend(fontsize=8)
    return fig
