"""The evaluation report as plain JSON, and the same report as Markdown."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from kotae.evaluation.gold import KINDS
from kotae.evaluation.metrics import METRICS, AnswerScore, QuestionScore, answer_metrics, group_scores, summarize


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


def answer_report(scores: Sequence[AnswerScore]) -> dict[str, dict[str, float | int]]:
    """The answer metrics of all questions and of each language, as plain JSON."""
    groups = {"all": list(scores)}
    for s in scores:
        groups.setdefault(f"lang:{s.item.lang}", []).append(s)
    return {name: answer_metrics(group) for name, group in groups.items()}


def markdown(rep: dict[str, Any]) -> str:
    """The report as Markdown: the retrieval table, the answer table when there is one, and the misses."""
    names = list(METRICS)
    lines = [f"# Retrieval evaluation ({rep['mode']}, {rep['questions']} answerable questions)", "",
             "| group | n | " + " | ".join(names) + " |", "|---|---:|" + "---:|" * len(names)]
    for group, row in rep["groups"].items():
        cells = [f"{row[m]:.3f} [{row['ci95'][m][0]:.2f}–{row['ci95'][m][1]:.2f}]" for m in names]
        lines.append(f"| {group} | {row['n']} | " + " | ".join(cells) + " |")
    if rep.get("answers"):
        lines += ["", "## Answers", "", "| group | n | support | support@1 | abstention precision | abstention recall "
                  "| false abstention |", "|---|---:|---:|---:|---:|---:|---:|"]
        lines += [f"| {g} | {r['n']} | {r['support']:.3f} | {r['support_at_1']:.3f} | {r['abstention_precision']:.3f} "
                  f"| {r['abstention_recall']:.3f} | {r['false_abstention']:.3f} |" for g, r in rep["answers"].items()]
        lines += kinds_markdown(rep["answers"])
    if rep.get("short_answers"):
        lines += ["", "## Short answers", "", "| group | typed answered | coverage | date/number | agreement | "
                  "English | rendered in English |", "|---|---:|---:|---:|---:|---:|---:|"]
        lines += [f"| {g} | {r['typed']} | {share(r['coverage'], r['typed'])} | {r['numeric']} | "
                  f"{share(r['agreement'], r['numeric'])} | {r['english']} | {share(r['rendered'], r['english'])} |"
                  for g, r in rep["short_answers"].items()]
    lines += ["", f"## Misses at 5 ({len(rep['misses'])})", ""]
    lines += [f"- `{m['id']}` ({m['type']}) {m['question']} — terms: {json.dumps(m['query_terms'], ensure_ascii=False)}"
              for m in rep["misses"]]
    return "\n".join(lines) + "\n"


def kinds_markdown(rows: dict[str, Any]) -> list[str]:
    """The abstention table by kind of unanswerable question (off-topic, near-miss), when the gold file marks any."""
    kinds = kinds_reported(rows)
    if not kinds:
        return []
    lines = ["", "### Abstention by kind (precision against the answerable questions)", "",
             "| group | " + " | ".join(f"{KINDS[k]} n | precision | recall" for k in kinds) + " |",
             "|---|" + "---:|---:|---:|" * len(kinds)]
    for group, row in rows.items():
        cells = [f"{row[k]} | {row[k + '_precision']:.3f} | {row[k + '_recall']:.3f}" if k in row else "0 | — | —"
                 for k in kinds]
        lines.append(f"| {group} | " + " | ".join(cells) + " |")
    return lines


def kinds_reported(rows: dict[str, Any]) -> list[str]:
    """The kinds of unanswerable question that answer metrics `rows` report on (those the gold file marks)."""
    return [k for k in KINDS if any(k in row for row in rows.values())]


def share(value: float, of: int) -> str:
    """A share of `of` questions, or a dash where there were none to share."""
    return f"{value:.3f}" if of else "—"
