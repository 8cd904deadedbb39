"""What the command line shows people: answers, search results and reports, with rich; messages on stderr."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.text import Text

from kotae.answered import Answer
from kotae.types import SearchResult


def console() -> Console:
    return Console(highlight=False)


def console_err() -> Console:
    return Console(stderr=True)


def fail(message: str) -> None:
    """A problem, as one line on stderr."""
    print(f"kotae: {message}", file=sys.stderr)


def info(message: str, quiet: bool = False) -> None:
    """Progress and summaries, on stderr so that stdout stays the result."""
    if not quiet:
        print(message, file=sys.stderr)


LABELS = {"ja": {"nearest": "近い箇所（質問に答えていないかもしれません）:", "searched": "検索した文"},
          "en": {"nearest": "Nearest passages (they may not answer the question):", "searched": "searched"}}


def print_answer(answer: Answer, *, passages: bool = False) -> None:
    """An answer for people: the short answer, the cited sentences (or the abstention), glosses, then one line per
    cited source (every passage in full with `passages`), labels in the question's language."""
    out = console()
    labels = LABELS.get(answer.lang, LABELS["en"])
    if answer.short_answer and not answer.abstained:
        out.print(Text(answer.short_answer.display, style="bold green"), soft_wrap=True)
    if answer.abstained:
        out.print(f"[yellow]{answer.message}[/yellow]")
        if answer.note:
            out.print(f"[dim]{answer.note}[/dim]")
        if answer.passages:
            out.print(f"[dim]{labels['nearest']}[/dim]")
    else:
        out.print(answer.generated or answer.quoted, markup=False, soft_wrap=True)
        for g in answer.glosses:
            out.print(f"[dim]  {g.ja} — {g.en}[/dim]")
        if answer.note:
            out.print(f"[dim]{answer.note}[/dim]")
    if answer.retrieval_query != answer.question:
        out.print(f"[dim]{labels['searched']}: {answer.retrieval_query}[/dim]")
    cited = {s.citation for s in answer.sentences}
    shown = answer.passages if passages or answer.abstained or not cited else \
        [p for p in answer.passages if p.rank in cited]
    for p in shown:
        source = Text.assemble((f"[{p.rank}] {p.title}", "bold"), (f" {p.doc_id} {p.start}–{p.end}", "dim"))
        if passages:
            out.print()
            out.print(source, soft_wrap=True)
            out.print(p.text, markup=False, soft_wrap=True)
        else:
            if answer.abstained:  # no quote to read: a glimpse of each passage
                glimpse = " ".join(p.text.split())
                source.append(f"  {glimpse[:60]}{'…' if len(glimpse) > 60 else ''}", style="dim")
            out.print(source, soft_wrap=True, overflow="ellipsis")


def print_result(result: SearchResult) -> None:
    """A search result for people: each passage with its title, citation span and text."""
    out = console()
    if result.note:
        out.print(f"[yellow]{result.note}[/yellow]")
    elif not result.passages:
        out.print("[yellow]No passage matches this question.[/yellow]")
    terms = ", ".join(_term(t) for t in result.query_terms if not str(t).startswith("["))
    out.print(f"[dim]lang {result.lang} · mode {result.mode} · terms: {terms or '—'}[/dim]")
    for p in result.passages:
        out.print(f"\n[bold][{p.rank}] {p.title}[/bold] [dim]{p.doc_id} {p.start}–{p.end} · score {p.score:.3f}[/dim]")
        out.print(p.text, markup=False, soft_wrap=True)


def _term(term: object) -> str:
    """A query term as read: a translated word as `signed → 署名/調印/目標`, its likeliest Japanese first."""
    if isinstance(term, dict):
        return f"{term.get('en')} → {'/'.join(term.get('ja', [])[:3])}"
    return str(term)


def print_document(doc) -> None:
    meta = "  ".join(f"{k}: {v}" for k, v in doc.meta.items() if k in ("source", "published"))
    print(f"{doc.title}\n{doc.id}  {meta}\n")
    print(doc.text)


def print_comparison(result) -> None:
    from rich import box
    from rich.table import Table

    from kotae.evaluation import compare

    title = f"Configurations compared ({result.questions} answerable questions; lexical unless named dense or hybrid)"
    table = Table(title=title,
                  box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for n, name in enumerate(compare.headers()):
        table.add_column(name, justify="left" if n == 0 else "right", no_wrap=True)
    for row in result.rows:
        table.add_row(*compare.cells(row), style="dim" if row.name == compare.BASELINE else None)
    console().print(table)


def print_report(rep: dict[str, Any]) -> None:
    from rich.table import Table

    from kotae.evaluation.metrics import METRICS

    # The intervals of the two headline metrics where the terminal is wide enough; --json has them all.
    intervals = ("R@5", "MRR@10") if console().width >= 110 else ()
    title = f"Retrieval, mode {rep['mode']} ({rep['questions']} answerable questions"
    table = Table(title=title + ("; 95% CI)" if intervals else ")"))
    table.add_column("group", no_wrap=True)
    table.add_column("n", justify="right")
    for name in (*METRICS, *(f"{m} 95% CI" for m in intervals)):
        table.add_column(name, justify="right", no_wrap=True)
    for group, row in rep["groups"].items():
        table.add_row(group, str(row["n"]), *(f"{row[m]:.3f}" for m in METRICS),
                      *(f"{row['ci95'][m][0]:.2f}–{row['ci95'][m][1]:.2f}" for m in intervals))
    console().print(table)
    console().print(f"{len(rep['misses'])} questions with no relevant passage in the top 5 (see --json).")
    if rep.get("answers"):
        answers = Table(title="Answers (support: answered answerable questions quoting the evidence)")
        for name in ("group", "n", "support", "support@1", "abstain precision", "abstain recall", "false abstention"):
            answers.add_column(name, justify="left" if name == "group" else "right")
        for group, row in rep["answers"].items():
            answers.add_row(group, str(row["n"]), *(f"{row[k]:.3f}" for k in (
                "support", "support_at_1", "abstention_precision", "abstention_recall", "false_abstention")))
        console().print(answers)
        print_kinds(rep["answers"])
    if rep.get("short_answers"):
        from kotae.evaluation.report import share

        short = Table(title="Short answers (answered date, number, where and who questions)")
        for name in ("group", "typed", "coverage", "date/number", "agreement", "English", "in English"):
            short.add_column(name, justify="left" if name == "group" else "right")
        for group, row in rep["short_answers"].items():
            short.add_row(group, str(row["typed"]), share(row["coverage"], row["typed"]), str(row["numeric"]),
                          share(row["agreement"], row["numeric"]), str(row["english"]),
                          share(row["rendered"], row["english"]))
        console().print(short)


def print_kinds(rows: dict[str, Any]) -> None:
    """Abstention on each kind of unanswerable question the gold file marks, as if it were the only kind."""
    from rich.table import Table

    from kotae.evaluation.gold import KINDS
    from kotae.evaluation.report import kinds_reported

    kinds = kinds_reported(rows)
    if not kinds:
        return
    table = Table(title="Abstention by kind of unanswerable question (precision: against the answerable ones)")
    table.add_column("group")
    for kind in kinds:
        label = KINDS[kind]
        for name in ("n", "precision", "recall"):
            table.add_column(f"{label} {name}", justify="right")
    for group, row in rows.items():
        cells = [(str(row[k]), f"{row[k + '_precision']:.3f}", f"{row[k + '_recall']:.3f}") if k in row
                 else ("0", "—", "—") for k in kinds]
        table.add_row(group, *(c for triple in cells for c in triple))
    console().print(table)
