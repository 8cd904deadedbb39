"""A small grid of configurations, each built into its own index and scored on the gold file, side by side."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kotae.config import Settings
from kotae.evaluation.gold import GoldItem
from kotae.evaluation.metrics import Summary, group_scores, summarize
from kotae.evaluation.run import encode_ahead, run_retrieval
from kotae.manifest import Manifest

Grid = Sequence[tuple[str, dict[str, Any]]]

BASELINE = "baseline"
DEFAULT = "default"
# Plain BM25 over surface tokens in fixed 300-character windows, English reaching it only through
# loanwords and names: what the real configuration has to beat.
BASELINE_OVERRIDES: dict[str, Any] = {"term_form": "surface", "chunking": "fixed", "chunk_target": 300,
                                      "lexicon": False}
LANGS = ("ja", "en")
_LANG_NAMES = {"ja": "Japanese", "en": "English"}
COLUMNS = ("R@5", "MRR@10")  # per language; plus nDCG@10 over all questions
# The dense weights tried with each fusion method (lexical stays 1): scaled scores, and reciprocal ranks.
FUSION_WEIGHTS = {"scores": (0.5, 1.0, 1.5), "rrf": (0.1, 0.2, 0.3, 0.5, 1.0)}
CHART_NEEDS = "The chart needs matplotlib: pip install 'kotae[eval]'."


def default_grid(model: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """The baseline, the configured settings, and one change each (lexical); with an embedding model, the default
    row is hybrid and a lexical row, a dense row and hybrid rows at several dense fusion weights are added."""
    grid: list[tuple[str, dict[str, Any]]] = [
        (BASELINE, dict(BASELINE_OVERRIDES)),
        # The configured settings as they run: hybrid with the configured fusion weights when there is a model.
        (DEFAULT, {"embed_model": model, "mode": "auto"} if model else {}),
        *([("lexical", {})] if model else []),
        ("surface terms", {"term_form": "surface"}),
        ("chunks 200", {"chunk_target": 200}),
        ("chunks 450", {"chunk_target": 450}),
        ("no lexicon", {"lexicon": False}),
        ("no answer types", {"type_weight": 0.0}),
    ]
    if model:
        grid.append(("dense", {"embed_model": model, "mode": "dense"}))
        grid.append(("hybrid, no rerank", {"embed_model": model, "mode": "hybrid", "rerank": "none"}))
        # The same method and weight for Japanese and English questions, so both columns show its effect.
        grid += [(f"hybrid, {'RRF' if method == 'rrf' else method}, dense {w:g}",
                  {"embed_model": model, "mode": "hybrid", "fusion": method, "fusion_en": method, "weight_dense": w,
                   "weight_dense_en": w}) for method, weights in FUSION_WEIGHTS.items() for w in weights]
    return grid


def row_settings(base: Settings, overrides: dict[str, Any], index_dir: Path) -> Settings:
    """`base` with `overrides`, lexical unless they name a model, built into `index_dir`."""
    values = {"embed_model": "none", "mode": "lexical", **overrides, "index_dir": index_dir}
    if "chunk_max" not in overrides:  # a larger target must not trip the chunk_max >= chunk_target rule
        values["chunk_max"] = max(base.index.chunk_max, values.get("chunk_target", base.index.chunk_target))
    return base.replace(**values)


@dataclass(frozen=True)
class Row:
    """One configuration's scores on the gold file."""

    name: str
    overrides: dict[str, Any]
    mode: str
    summaries: dict[str, Summary]  # "ja", "en", "all"
    build_seconds: float
    manifest: Manifest

    def value(self, group: str, metric: str) -> float | None:
        summary = self.summaries[group]
        return summary.means[metric] if summary.n else None


@dataclass(frozen=True)
class Comparison:
    rows: tuple[Row, ...]
    questions: int
    notes: tuple[str, ...] = ()  # rows that could not run, one line each


def run_compare(base: Settings, gold: Sequence[GoldItem], grid: Grid, *, workdir: Path | None = None,
                resamples: int = 1000, on_stage: Callable[[str], None] | None = None,
                on_item: Callable[[], None] | None = None) -> Comparison:
    """Build an index per configuration (configurations that build alike share one) and score each.

    Indexes go under `workdir`, or a temporary folder removed afterwards. A row that asks for an
    embedding model that cannot be loaded is skipped with a note rather than failing the whole grid.
    """
    if workdir is not None:
        return _run(base, gold, grid, workdir, resamples, on_stage, on_item)
    with tempfile.TemporaryDirectory(prefix="kotae-compare-") as folder:
        return _run(base, gold, grid, Path(folder), resamples, on_stage, on_item)


def _run(base: Settings, gold: Sequence[GoldItem], grid: Grid, workdir: Path, resamples: int,
         on_stage: Callable[[str], None] | None, on_item: Callable[[], None] | None) -> Comparison:
    from kotae.build import build_index
    from kotae.errors import ModelUnavailableError
    from kotae.facade import Kotae
    from kotae.store import build_settings, load_index
    from kotae.thresholds import Thresholds

    stage = on_stage or (lambda _text: None)
    advance = on_item or (lambda: None)
    indexes: dict[str, tuple[Path, Any]] = {}
    embedders: dict[str, Any] = {}
    rows: list[Row] = []
    skipped: list[tuple[str, str]] = []
    for n, (name, overrides) in enumerate(grid):
        settings = row_settings(base, overrides, workdir / f"{n:02d}")
        embedder = None
        if settings.index.dense_enabled:
            try:
                embedder = _embedder(settings, embedders)
            except ModelUnavailableError as exc:
                skipped.append((name, str(exc)))
                for _ in gold:
                    advance()
                continue
        key = json.dumps(build_settings(settings.index), sort_keys=True, default=str)
        if key not in indexes:  # rows that differ only at query time share one build
            stage(f"{name}: building")
            build_index(settings, embedder=embedder)
            indexes[key] = (settings.index.index_dir, load_index(settings, check=False))
        index_dir, index = indexes[key]
        settings = settings.replace(index_dir=index_dir)
        kotae = Kotae(index, settings, embedder=embedder, thresholds=Thresholds.never())
        mode = kotae.resolve_mode(settings.retrieval.mode)
        stage(f"{name}: evaluating")
        encode_ahead(kotae, gold, mode=mode)
        scores = run_retrieval(kotae, gold, mode=mode, top_k=10, on_item=advance)
        groups = group_scores(scores)
        summaries = {"all": summarize("all", scores, resamples=resamples)}
        for lang in LANGS:
            summaries[lang] = summarize(f"lang:{lang}", groups.get(f"lang:{lang}", []), resamples=resamples)
        rows.append(Row(name=name, overrides=dict(overrides), mode=mode, summaries=summaries,
                        build_seconds=sum(index.manifest.build_seconds.values()), manifest=index.manifest))
    notes = []
    if skipped:
        names = ", ".join(f"'{name}'" for name, _ in skipped)
        notes.append(f"The rows {names} need an embedding model and were skipped: {skipped[0][1]}")
    return Comparison(rows=tuple(rows), questions=sum(item.answerable for item in gold), notes=tuple(notes))


def _embedder(settings: Settings, cache: dict[str, Any]):
    """The row's model, loaded once per grid; raises ModelUnavailableError before any build is wasted on it."""
    from kotae.build import configured_embedder

    if settings.index.embed_model not in cache:
        cache[settings.index.embed_model] = configured_embedder(settings)
    return cache[settings.index.embed_model]


def gate(comparison: Comparison) -> str | None:
    """Why `default` fails to beat `baseline` on R@5 in a language, or None when it beats it in every one."""
    rows = {r.name: r for r in comparison.rows}
    if BASELINE not in rows or DEFAULT not in rows:
        return None
    worse = []
    for lang in LANGS:
        ours, theirs = rows[DEFAULT].value(lang, "R@5"), rows[BASELINE].value(lang, "R@5")
        if ours is not None and theirs is not None and ours <= theirs:
            worse.append(f"{_LANG_NAMES[lang]} {ours:.3f} vs {theirs:.3f}")
    if not worse:
        return None
    return f"The default settings do not beat the baseline on R@5 ({'; '.join(worse)})."


def headers() -> list[str]:
    """The table's columns: R@5 and MRR@10 per language, nDCG@10 over all questions, build seconds."""
    return ["configuration", *(f"{lang} {m}" for lang in LANGS for m in COLUMNS), "nDCG@10", "build s"]


def cells(row: Row) -> list[str]:
    values = [row.value(lang, m) for lang in LANGS for m in COLUMNS] + [row.value("all", "nDCG@10")]
    return [row.name, *("—" if v is None else f"{v:.3f}" for v in values), f"{row.build_seconds:.2f}"]


def to_json(comparison: Comparison, *, gold: str | None = None) -> dict[str, Any]:
    """Every row's means and 95% intervals per language and overall, what its index was built with, the gate."""
    def group(summary: Summary) -> dict[str, Any]:
        return {"n": summary.n, **{k: round(v, 4) for k, v in summary.means.items()},
                "ci95": {k: [round(a, 4), round(b, 4)] for k, (a, b) in summary.intervals.items()}}

    return {
        "gold": gold,
        "questions": comparison.questions,
        "rows": [{"name": r.name, "overrides": r.overrides, "mode": r.mode, "build_seconds": round(r.build_seconds, 3),
                  "index": {"settings": dict(r.manifest.settings), "chunks": r.manifest.chunker.chunks},
                  **{key: group(r.summaries[key]) for key in ("ja", "en", "all")}}
                 for r in comparison.rows],
        "notes": list(comparison.notes),
        "gate": gate(comparison),
    }


def markdown(comparison: Comparison) -> str:
    names = headers()
    lines = [f"# Configurations compared ({comparison.questions} answerable questions)", "",
             "| " + " | ".join(names) + " |", "|---|" + "---:|" * (len(names) - 1)]
    lines += ["| " + " | ".join(cells(r)) + " |" for r in comparison.rows]
    lines += ["", *comparison.notes]
    return "\n".join(lines).rstrip("\n") + "\n"


def write_chart(comparison: Comparison, path: Path) -> bool:
    """A PNG of R@5 and MRR@10 per configuration and language, the baseline dashed; False without matplotlib."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return False
    rows = list(comparison.rows)
    langs = [lang for lang in LANGS if any(r.value(lang, "R@5") is not None for r in rows)]
    baseline = next((r for r in rows if r.name == BASELINE), None)
    colours = {"ja": "#d62728", "en": "#1f77b4"}
    height = 0.8 / max(len(langs), 1)
    fig = Figure(figsize=(11, 1.6 + 0.55 * len(rows)))
    FigureCanvasAgg(fig)  # rendering with Agg: no display, no global backend switch
    axes = fig.subplots(1, len(COLUMNS), sharey=True)
    positions = list(range(len(rows)))
    for ax, metric in zip(axes, COLUMNS):
        for k, lang in enumerate(langs):
            offset = (k - (len(langs) - 1) / 2) * height
            values = [r.value(lang, metric) or 0.0 for r in rows]
            bars = ax.barh([p + offset for p in positions], values, height=height, color=colours[lang],
                           label=_LANG_NAMES[lang])
            ax.bar_label(bars, fmt="%.3f", fontsize=7, padding=2)
            if baseline is not None and baseline.value(lang, metric) is not None:
                ax.axvline(baseline.value(lang, metric), color=colours[lang], linestyle="--", linewidth=1,
                           label=f"baseline, {_LANG_NAMES[lang]}")
        ax.set_title(metric)
        ax.set_xlim(0, 1.08)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(positions, [r.name for r in rows])
    axes[0].invert_yaxis()  # the grid's order, top to bottom
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8, frameon=False)
    fig.suptitle(f"Retrieval by configuration ({comparison.questions} answerable questions)")
    fig.tight_layout(rect=(0, 0.45 / fig.get_figheight(), 1, 1))  # room for the legend below the panels
    fig.savefig(path, dpi=120)
    return True


def write_reports(comparison: Comparison, out: Path, *, gold: str | None = None) -> bool:
    """compare.json, compare.md and compare.png in `out`; False when the chart could not be drawn."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "compare.json").write_text(json.dumps(to_json(comparison, gold=gold), ensure_ascii=False, indent=2) + "\n",
                                      encoding="utf-8")
    (out / "compare.md").write_text(markdown(comparison), encoding="utf-8")
    return write_chart(comparison, out / "compare.png")
