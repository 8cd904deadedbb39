"""The `kotae` command line: index, search, ask, chat, show, serve."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kotae import package_version
from kotae.config import MODES, Settings
from kotae.errors import ConfigError, IndexMissingError, KotaeError, StaleIndexError
from kotae.types import SearchResult

EXAMPLES = """examples:
  kotae index --corpus my-documents/
  kotae search "本部はどこにありますか"
  kotae search "Where is the headquarters?" --json
  kotae search --batch questions.jsonl > results.jsonl
  kotae ask "この協定が署名されたのはいつ?"
  kotae show DOC_ID
  kotae serve --port 8000
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except KotaeError as exc:
        _fail(str(exc))
    except ValidationError as exc:
        _fail(_settings_message(exc))
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:  # `kotae search … | head` is not an error
        return 0
    return 1


def _fail(message: str) -> None:
    print(f"kotae: {message}", file=sys.stderr)


def _settings_message(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error.get("loc", ())) or "settings"
    return f"invalid setting {where}: {error.get('msg', 'invalid value')}."


class _Parser(argparse.ArgumentParser):
    """Usage mistakes as one line on stderr (`kotae search: error: …`), exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kotae", description="Answers from your Japanese documents, in Japanese or English, with citations.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"kotae {package_version()}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True, parser_class=_Parser)

    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--index", dest="index_dir", type=Path, help="index folder (default: index, KOTAE_INDEX_DIR)")
    where.add_argument("--corpus", dest="corpus_dir", type=Path,
                       help="corpus folder checked for changes (default: corpus, KOTAE_CORPUS_DIR)")

    p = commands.add_parser("index", help="build the index from a corpus folder",
                            description="Build the index (BM25, and vectors when a model is available).")
    p.add_argument("--corpus", dest="corpus_dir", type=Path, help="folder of .md/.txt documents (default: corpus)")
    p.add_argument("--out", dest="index_dir", type=Path, help="index folder (default: index)")
    p.add_argument("--model", dest="embed_model", help="embedding model name, local folder, or 'none'")
    p.add_argument("--index-type", dest="index_type", choices=("auto", "flat", "hnsw", "ivfpq"),
                   help="FAISS index for the vectors (default: auto, by size; KOTAE_INDEX_TYPE)")
    p.add_argument("--if-stale", action="store_true", help="only build when the index is missing or out of date")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(handler=cmd_index)

    retrieval = argparse.ArgumentParser(add_help=False)
    retrieval.add_argument("--top-k", dest="top_k", type=_top_k, help="passages to return (1–50, default 5)")
    retrieval.add_argument("--mode", choices=MODES, help="retrieval mode (default: auto)")

    p = commands.add_parser("search", parents=[where, retrieval], help="find the passages that answer a question")
    p.add_argument("question", nargs="?", help="a question in Japanese or English")
    p.add_argument("--json", action="store_true", help="print the search result as JSON")
    p.add_argument("--batch", type=Path, metavar="FILE.jsonl",
                   help='read {"id", "question"} lines, write one search-result line each')
    p.set_defaults(handler=cmd_search)

    p = commands.add_parser("ask", parents=[where, retrieval], help="ask a question and get a cited answer")
    p.add_argument("question", help="a question in Japanese or English")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--history", type=Path, metavar="FILE",
                   help='the conversation so far: a JSON list of {"question": ..., "answer": ...} turns')
    p.set_defaults(handler=cmd_ask)

    p = commands.add_parser("chat", parents=[where, retrieval], help="ask questions interactively in the terminal")
    p.set_defaults(handler=cmd_chat)

    p = commands.add_parser("eval", parents=[where, retrieval], help="measure retrieval quality on a gold set")
    p.add_argument("--gold", type=Path, default=Path("eval/gold.jsonl"),
                   help="gold JSONL file (default: eval/gold.jsonl)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--calibrate", action="store_true",
                   help="learn the abstention thresholds from the gold set and write them to the abstention file")
    p.add_argument("--out", type=Path, help="also write report.json and report.md into this folder "
                   "(with --compare: compare.md, compare.json and compare.png, default eval/reports)")
    p.add_argument("--compare", action="store_true",
                   help="build a small grid of configurations (a plain baseline, the current settings, one change "
                        "each) into temporary indexes and compare them in one table; fails when the current "
                        "settings do not beat the baseline on R@5 in Japanese and English")
    p.add_argument("--model", dest="embed_model",
                   help="embedding model name or folder; with --compare, adds hybrid rows at several fusion weights")
    p.set_defaults(handler=cmd_eval)

    p = commands.add_parser("show", parents=[where], help="print a document as it is stored in the index")
    p.add_argument("doc_id", help="a document id (see `kotae search` results)")
    p.add_argument("--json", action="store_true", help="print metadata and text as JSON")
    p.set_defaults(handler=cmd_show)

    p = commands.add_parser("serve", parents=[where], help="serve the HTTP API",
                            description="Serve the HTTP API (docs at /docs); the index is loaded once at start-up. "
                                        "SIGHUP, or POST /v1/admin/reload with KOTAE_ADMIN_TOKEN, loads it again.")
    p.add_argument("--host", help="address to listen on (default: 127.0.0.1, KOTAE_HOST)")
    p.add_argument("--port", type=int, help="port to listen on (default: 8000, KOTAE_PORT)")
    p.add_argument("--workers", type=int, help="server processes (default: 1, KOTAE_WORKERS)")
    p.set_defaults(handler=cmd_serve)

    p = commands.add_parser("bench", help="measure build time, query latency and retrieval at scale",
                            description="Benchmark index builds, in-process query latency per mode, lexical retrieval "
                                        "and vector indexes at up to a million chunks and vectors (many minutes), "
                                        "and the HTTP API. Writes bench.json, bench.md and PNG charts; it measures "
                                        "and compares with the targets but fails nothing.")
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes, seconds: a smoke test (its default --out is eval/bench/quick)")
    p.add_argument("--out", type=Path, help="folder for bench.json, bench.md and the charts (default: eval/bench)")
    p.add_argument("--corpus", dest="corpus_dir", type=Path, help="folder of documents (default: corpus)")
    p.add_argument("--gold", type=Path, default=Path("eval/gold.jsonl"),
                   help="gold JSONL file whose questions are timed (default: eval/gold.jsonl)")
    p.add_argument("--model", dest="embed_model",
                   help="embedding model folder for the build and latency rows (default: a tiny random model "
                        "built on the spot, so the numbers are kotae's own cost, not a model's)")
    p.set_defaults(handler=cmd_bench)
    return parser


def _top_k(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 1 <= number <= 50:
        raise argparse.ArgumentTypeError("must be between 1 and 50")
    return number


def settings_from(args: argparse.Namespace) -> Settings:
    keys = ("corpus_dir", "index_dir", "embed_model", "top_k", "mode", "index_type", "host", "port", "workers")
    return Settings(**{k: getattr(args, k) for k in keys if getattr(args, k, None) is not None})


def cmd_index(args: argparse.Namespace) -> int:
    from kotae.build import build_index
    from kotae.store import check_fresh, load_index, read_manifest

    settings = settings_from(args)
    if args.if_stale:
        try:
            check_fresh(read_manifest(settings.index_dir), settings)
            # Up to date is not enough: every file must also read (a damaged one is rebuilt). This parses the
            # JSON files once more than `serve` alone would; the arrays and vectors are only memory-mapped.
            load_index(settings, check=False)
            _info("The index is up to date.", args.quiet)
            return 0
        except (IndexMissingError, StaleIndexError) as exc:
            _info(f"{exc} Rebuilding." if isinstance(exc, StaleIndexError) else "Building the index.", args.quiet)
    progress = not args.quiet and sys.stderr.isatty()
    result = build_index(settings, progress=progress, report=lambda m: _info(m, args.quiet))
    for note in result.notes:
        print(f"kotae: {note}", file=sys.stderr)
    m = result.manifest
    dense = (f"vectors: {m['dense']['model']} ({m['dense']['dimension']} dims, {m['dense']['index_type']})"
             if m["dense"] else "vectors: none")
    seconds = sum(m["build_seconds"].values())
    _info(f"Indexed {m['corpus']['documents']} documents into {m['chunker']['chunks']} chunks "
          f"in {seconds:.1f} s; BM25 vocabulary {m['lexical']['vocabulary']}; {dense}.", args.quiet)
    return 0


def _info(message: str, quiet: bool = False) -> None:
    if not quiet:
        print(message, file=sys.stderr)


def _retriever(settings: Settings):
    from kotae.retrieve import Retriever
    from kotae.store import load_index

    return Retriever(load_index(settings), settings)


def cmd_search(args: argparse.Namespace) -> int:
    if (args.question is None) == (args.batch is None):
        raise ConfigError("Give either a question or --batch FILE.jsonl.")
    settings = settings_from(args)
    retriever = _retriever(settings)
    if args.batch is not None:
        rows = list(_batch_questions(args.batch))
        for result in retriever.search_batch([q for _, q in rows], mode=args.mode, top_k=args.top_k,
                                             qids=[i for i, _ in rows]):
            print(json.dumps(result.to_dict(), ensure_ascii=False), flush=True)
        return 0
    result = retriever.search(args.question, mode=args.mode, top_k=args.top_k)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_result(result)
    return 0


def _batch_questions(path: Path) -> Iterator[tuple[str | None, str]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"The batch file {path} does not exist.") from None
    except UnicodeDecodeError:
        raise ConfigError(f"The batch file {path} is not UTF-8 text.") from None
    rows: list[tuple[str | None, str]] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row: Any = json.loads(line)
        except json.JSONDecodeError:
            raise ConfigError(f"{path}:{n} is not valid JSON.") from None
        if not isinstance(row, dict) or not isinstance(row.get("question"), str) or not row["question"].strip():
            raise ConfigError(f'{path}:{n} needs a non-empty "question" string.')
        qid = row.get("id")
        rows.append((None if qid is None else str(qid), row["question"]))
    return iter(rows)


def _answerer(settings: Settings):
    from kotae.answer import Answerer

    return Answerer(_retriever(settings))


def _history(path: Path | None) -> list[dict[str, Any]]:
    if path is None:
        return []
    try:
        turns = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"The history file {path} does not exist.") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"The history file {path} is not JSON ({exc.msg} at line {exc.lineno}).") from None
    if not isinstance(turns, list) or not all(isinstance(t, dict) and "question" in t for t in turns):
        raise ConfigError(f'The history file {path} must be a JSON list of {{"question": ..., "answer": ...}}.')
    return turns


def cmd_ask(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    answer = _answerer(settings).ask(args.question, history=_history(args.history), mode=args.mode,
                                     top_k=args.top_k)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_answer(answer)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    answerer = _answerer(settings)
    history: list[dict[str, Any]] = []
    out = _console()
    out.print("[bold]kotae[/bold] — ask in Japanese or English; follow-up questions may refer to earlier ones. "
              "An empty line or Ctrl-D quits.")
    while True:
        try:
            question = input("\n質問 / question> ")
        except EOFError:
            print()
            return 0
        if not question.strip():
            return 0
        try:
            answer = answerer.ask(question, history=history, mode=args.mode, top_k=args.top_k)
        except KotaeError as exc:
            _fail(str(exc))
            continue
        print_answer(answer)
        history.append({"question": question, "answer": answer.text})


def cmd_eval(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from kotae.answer import Answerer, Thresholds
    from kotae.conversation import retrieval_question
    from kotae.evaluate import abstain_below, answer_report, learn_thresholds, load_gold, markdown, report, run_answers

    settings = settings_from(args)
    gold = load_gold(args.gold)
    if args.compare:
        return _compare(args, settings, gold)
    retriever = _retriever(settings)
    mode = retriever.resolve_mode(args.mode)
    retriever.encode_ahead([retrieval_question(i.question, i.history, retriever.analyzer) for i in gold], mode=mode)
    with Progress(transient=True, disable=not sys.stderr.isatty(), console=_console_err()) as bar:
        task = bar.add_task("Evaluating", total=len(gold))
        scores, answers = run_answers(Answerer(retriever, Thresholds.never()), gold, mode=mode,
                                      top_k=max(10, args.top_k or 10), on_item=lambda: bar.advance(task))
    if args.calibrate:
        thresholds = _save_thresholds(settings, learn_thresholds(answers), args.gold)
    else:
        thresholds = Thresholds.load(settings.abstention_file)
    rep = report(scores, mode=mode)
    rep["answers"] = answer_report(abstain_below(answers, thresholds))
    rep["abstention_thresholds"] = dict(thresholds.values)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "report.json").write_text(json.dumps(rep, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        (args.out / "report.md").write_text(markdown(rep), encoding="utf-8")
    if args.json:
        print(json.dumps(rep, ensure_ascii=False, indent=2))
    else:
        print_report(rep)
    return 0


def _save_thresholds(settings: Settings, learned: dict[str, dict[str, float]], gold: Path):
    """Merge newly learned thresholds (for this mode) into the abstention file and return them all."""
    from kotae.answer import Thresholds

    path = settings.abstention_file
    if path is None:
        raise ConfigError("Set KOTAE_ABSTENTION_FILE to say where the learned thresholds go.")
    current = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    thresholds = {**current.get("thresholds", {}), **learned}
    data = {"learned_from": str(gold), "rule": "abstain when confidence < threshold; at most 5% of the "
            "answerable gold questions of each language and mode fall below it", "thresholds": thresholds}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _console_err().print(f"Abstention thresholds written to {path}: {json.dumps(learned)}")
    return Thresholds(thresholds)


def _compare(args: argparse.Namespace, settings: Settings, gold) -> int:
    """`kotae eval --compare`: the grid's table on stdout, its files in --out, and the baseline gate."""
    from rich.progress import Progress

    from kotae import compare

    if args.mode or args.top_k:
        raise ConfigError("--compare sets each row's mode and scores the top 10; drop --mode and --top-k.")
    model = settings.embed_model if settings.dense_enabled else None
    with Progress(transient=True, disable=not sys.stderr.isatty(), console=_console_err()) as bar:
        grid = compare.default_grid(model)
        task = bar.add_task("Comparing", total=len(grid) * len(gold))
        result = compare.run_compare(settings, gold, grid, on_stage=lambda text: bar.update(task, description=text),
                                     on_item=lambda: bar.advance(task))
    out = args.out or Path("eval/reports")
    charted = compare.write_reports(result, out, gold=str(args.gold))
    if args.json:
        print(json.dumps(compare.to_json(result, gold=str(args.gold)), ensure_ascii=False, indent=2))
    else:
        print_comparison(result)
    if model is None:
        _fail("the fusion-weight rows need an embedding model (--model PATH) and were skipped.")
    for note in result.notes:
        _fail(note)
    written = ", ".join(f"compare.{ext}" for ext in ("md", "json", "png")[:3 if charted else 2])
    _info(f"Wrote {written} to {out}.")
    if not charted:
        _fail(compare.CHART_NEEDS)
    failure = compare.gate(result)
    if failure:
        _fail(failure)
        return 1
    return 0


def print_comparison(result) -> None:
    from rich import box
    from rich.table import Table

    from kotae import compare

    table = Table(title=f"Configurations compared ({result.questions} answerable questions; lexical unless hybrid)",
                  box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for n, name in enumerate(compare.headers()):
        table.add_column(name, justify="left" if n == 0 else "right", no_wrap=True)
    for row in result.rows:
        table.add_row(*compare.cells(row), style="dim" if row.name == compare.BASELINE else None)
    _console().print(table)


def _console_err():
    from rich.console import Console

    return Console(stderr=True)


def print_report(rep: dict[str, Any]) -> None:
    from rich.table import Table

    from kotae.evaluate import METRICS

    # The intervals of the two headline metrics where the terminal is wide enough; --json has them all.
    intervals = ("R@5", "MRR@10") if _console().width >= 110 else ()
    title = f"Retrieval, mode {rep['mode']} ({rep['questions']} answerable questions"
    table = Table(title=title + ("; 95% CI)" if intervals else ")"))
    table.add_column("group", no_wrap=True)
    table.add_column("n", justify="right")
    for name in (*METRICS, *(f"{m} 95% CI" for m in intervals)):
        table.add_column(name, justify="right", no_wrap=True)
    for group, row in rep["groups"].items():
        table.add_row(group, str(row["n"]), *(f"{row[m]:.3f}" for m in METRICS),
                      *(f"{row['ci95'][m][0]:.2f}–{row['ci95'][m][1]:.2f}" for m in intervals))
    _console().print(table)
    _console().print(f"{len(rep['misses'])} questions with no relevant passage in the top 5 (see --json).")
    if rep.get("answers"):
        answers = Table(title="Answers (support: answered answerable questions quoting the evidence)")
        for name in ("group", "n", "support", "abstain precision", "abstain recall", "false abstention"):
            answers.add_column(name, justify="left" if name == "group" else "right")
        for group, row in rep["answers"].items():
            answers.add_row(group, str(row["n"]), *(f"{row[k]:.3f}" for k in (
                "support", "abstention_precision", "abstention_recall", "false_abstention")))
        _console().print(answers)


def cmd_show(args: argparse.Namespace) -> int:
    from kotae.errors import UnknownDocumentError
    from kotae.store import load_index

    index = load_index(settings_from(args), check=False)
    doc = index.documents.get(args.doc_id)
    if doc is None:
        known = ", ".join(sorted(index.documents))
        raise UnknownDocumentError(f"No document has the id {args.doc_id!r}; the documents are: {known}.")
    if args.json:
        print(json.dumps({"id": doc.id, "title": doc.title, "meta": dict(doc.meta), "text": doc.text},
                         ensure_ascii=False, indent=2))
        return 0
    meta = "  ".join(f"{k}: {v}" for k, v in doc.meta.items() if k in ("source", "published"))
    print(f"{doc.title}\n{doc.id}  {meta}\n")
    print(doc.text)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from kotae.store import check_fresh, read_manifest
    from kotae_api.app import create_app
    from kotae_api.logs import log_config

    settings = settings_from(args)
    # A missing or stale index is one line here rather than a server that starts and answers 503.
    check_fresh(read_manifest(settings.index_dir), settings, strict=False)
    options: dict[str, Any] = {"host": settings.host, "port": settings.port, "log_config": log_config(),
                               "access_log": False, "timeout_graceful_shutdown": 10}
    if settings.workers == 1:
        uvicorn.run(create_app(settings), **options)
        return 0
    # Each worker process builds its own app from KOTAE_* variables, so the flags given here go there too.
    for name in ("index_dir", "corpus_dir", "host", "port", "workers"):
        if getattr(args, name, None) is not None:
            os.environ[f"KOTAE_{name.upper()}"] = str(getattr(settings, name))
    uvicorn.run("kotae_api.app:app_from_environment", factory=True, workers=settings.workers, **options)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    import tempfile

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from kotae import bench, bench_report
    from kotae.evaluate import load_gold

    settings = settings_from(args)
    gold = load_gold(args.gold)
    plan = bench.QUICK if args.quick else bench.FULL
    out = args.out or Path("eval/bench/quick" if args.quick else "eval/bench")
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
               TimeElapsedColumn())
    with (Progress(*columns, console=_console_err(), disable=not sys.stderr.isatty()) as bar,
          tempfile.TemporaryDirectory(prefix="kotae-bench-") as work):
        task = bar.add_task("Preparing", total=None)
        results = bench.run_bench(
            settings, plan, gold=gold, model=args.embed_model, workdir=Path(work),
            stage=lambda text, steps: bar.update(task, description=text, total=steps, completed=0),
            step=lambda: bar.advance(task))
    written = bench_report.write_reports(results, out)
    print("\n".join(bench_report.targets_table(results)[2:]))
    _info(f"Wrote {', '.join(written)} to {out} ({results['seconds']:.0f} s).")
    if "skipped" in results["http"]:
        _fail(f"HTTP not measured: {results['http']['skipped']}")
    if not any(name.endswith(".png") for name in written):
        _fail(bench_report.CHART_NEEDS)
    return 0


def print_answer(answer) -> None:
    """An answer for people: the cited sentences (or the abstention), glosses, then the passages."""
    out = _console()
    if answer.abstained:
        out.print(f"[yellow]{answer.message}[/yellow]")
        if answer.note:
            out.print(f"[dim]{answer.note}[/dim]")
        if answer.passages:
            out.print("[dim]Nearest passages:[/dim]")
    else:
        out.print(answer.text, markup=False, soft_wrap=True)
        for g in answer.glosses:
            out.print(f"[dim]  {g.ja} — {g.en}[/dim]")
        if answer.note:
            out.print(f"[dim]{answer.note}[/dim]")
    if answer.retrieval_query != answer.question:
        out.print(f"[dim]searched: {answer.retrieval_query}[/dim]")
    for p in answer.passages:
        out.print(f"\n[bold][{p.rank}] {p.title}[/bold] [dim]{p.doc_id} {p.start}–{p.end}[/dim]")
        out.print(p.text, markup=False, soft_wrap=True)


def _console():
    from rich.console import Console

    return Console(highlight=False)


def print_result(result: SearchResult) -> None:
    """A search result for people: each passage with its title, citation span and text."""
    out = _console()
    if result.note:
        out.print(f"[yellow]{result.note}[/yellow]")
    elif not result.passages:
        out.print("[yellow]No passage matches this question.[/yellow]")
    terms = ", ".join(str(t) for t in result.query_terms if not str(t).startswith("["))
    out.print(f"[dim]lang {result.lang} · mode {result.mode} · terms: {terms or '—'}[/dim]")
    for p in result.passages:
        out.print(f"\n[bold][{p.rank}] {p.title}[/bold] [dim]{p.doc_id} {p.start}–{p.end} · score {p.score:.3f}[/dim]")
        out.print(p.text, markup=False, soft_wrap=True)


if __name__ == "__main__":
    sys.exit(main())
