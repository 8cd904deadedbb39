"""How abstention trades answering for refusing: precision and recall of abstaining on each kind of unanswerable
question as the confidence threshold moves, as points and as a chart."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from kotae.evaluation.gold import KINDS
from kotae.evaluation.metrics import AnswerScore, answer_metrics


def curves(scores: Sequence[AnswerScore]) -> dict[str, list[dict[str, float]]]:
    """Per language and kind (`ja offtopic`, …): for each threshold worth trying (each confidence seen, and one
    above them all) at which something is abstained on, the precision and recall of abstaining on that kind as
    `answer_metrics` counts them, and the share of answerable questions abstained. A question that abstains
    whatever the threshold (nothing found) counts as abstained throughout."""
    out: dict[str, list[dict[str, float]]] = {}
    for lang in sorted({s.item.lang for s in scores}):
        group = [s for s in scores if s.item.lang == lang]
        for t in sorted({round(s.confidence, 4) for s in group} | {1.0001}):
            m = answer_metrics([replace(s, abstained=s.refused or s.confidence < t) for s in group])
            for kind in KINDS:
                if m.get(kind) and m["answerable"] and m[f"{kind}_precision"] + m[f"{kind}_recall"] > 0:
                    out.setdefault(f"{lang} {kind}", []).append(
                        {"threshold": t, "precision": m[f"{kind}_precision"], "recall": m[f"{kind}_recall"],
                         "false_abstention": m["false_abstention"]})
    return out


def chosen_points(scores: Sequence[AnswerScore]) -> dict[str, dict[str, float]]:
    """Where the thresholds in use put each curve: the abstentions as `scores` have them."""
    out: dict[str, dict[str, float]] = {}
    for lang in sorted({s.item.lang for s in scores}):
        m = answer_metrics([s for s in scores if s.item.lang == lang])
        out |= {f"{lang} {kind}": {"precision": m[f"{kind}_precision"], "recall": m[f"{kind}_recall"]}
                for kind in KINDS if m.get(kind) and m["answerable"]}
    return out


def draw(lines: Mapping[str, Sequence[Mapping[str, float]]], chosen: Mapping[str, Mapping[str, float]],
         path: Path, *, title: str) -> bool:
    """A PNG of the precision–recall curves, the thresholds in use marked; False without matplotlib."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return False
    figure = Figure(figsize=(6.4, 4.8), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for n, (name, points) in enumerate(lines.items()):
        lang, kind = name.split()
        colour = f"C{n}"
        axes.plot([p["recall"] for p in points], [p["precision"] for p in points], color=colour,
                  linestyle="-" if kind == "offtopic" else "--", label=f"{lang}, {KINDS[kind]}")
        if name in chosen:
            axes.plot([chosen[name]["recall"]], [chosen[name]["precision"]], "o", color=colour)
    axes.set_xlabel("abstention recall")
    axes.set_ylabel("abstention precision")
    axes.set_xlim(-0.02, 1.02)
    axes.set_ylim(0, 1.02)
    axes.set_title(title)
    axes.legend(loc="best", fontsize="small")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    return True
