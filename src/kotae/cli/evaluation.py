"""The measuring commands: `kotae eval` (with --calibrate and --compare) and `kotae bench`."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from kotae.cli.commands import settings_from
from kotae.cli.render import console_err, fail, info, print_comparison, print_report
from kotae.config import Settings
from kotae.errors import ConfigError
from kotae.evaluation.gold import evidence_found, load_gold


def cmd_eval(args: argparse.Namespace) -> int:
    from kotae.evaluation import abstention
    from kotae.evaluation.compare import CHART_NEEDS
    from kotae.evaluation.metrics import abstain_below, learn_thresholds, with_confidence
    from kotae.evaluation.report import answer_report, markdown, report
    from kotae.evaluation.run import encode_ahead, learn_ranker, run_answers
    from kotae.evaluation.short import short_answer_report
    from kotae.facade import Kotae
    from kotae.sentence_rank import Ranker
    from kotae.store import load_index, with_recorded_corpus
    from kotae.thresholds import Thresholds, save_thresholds

    settings = settings_from(args)
    gold = load_gold(args.gold)
    if args.compare:
        return _compare(args, settings, gold)
    # Thresholds are read before the run, so that a configured file that is missing fails at once.
    thresholds = Thresholds.load(settings.answer.abstention_file) if not args.calibrate else None
    settings = with_recorded_corpus(settings)
    kotae = Kotae(load_index(settings), settings, thresholds=Thresholds.never())
    found, answerable = evidence_found(gold, (d.text for d in kotae.documents.values()))
    if answerable and found < answerable / 2:
        raise ConfigError(f"Only {found} of the {answerable} answerable questions of {args.gold} quote the documents "
                          f"indexed in {settings.index.index_dir}; it is a gold file for other documents (see "
                          "--gold, and the README on writing one for yours).")
    mode = kotae.resolve_mode(args.mode)
    encode_ahead(kotae, gold, mode=mode)
    with Progress(transient=True, disable=not sys.stderr.isatty(), console=console_err()) as bar:
        if args.calibrate:  # the sentence ranker first: the answers below quote what it chooses
            task = bar.add_task("Learning the sentence ranker", total=len(gold))
            ranked = learn_ranker(kotae, gold, mode=mode, on_item=lambda: bar.advance(task))
            kotae.answerer.ranker = Ranker(ranked)
        task = bar.add_task("Evaluating", total=len(gold))
        scores, answers = run_answers(kotae, gold, mode=mode, top_k=max(10, args.top_k or 10),
                                      on_item=lambda: bar.advance(task))
    if thresholds is None:
        learned, weights = learn_thresholds(answers)
        thresholds = save_thresholds(settings.answer.abstention_file, learned, learned_from=str(args.gold),
                                     weights=weights, sentence_weights=ranked)
        where = settings.answer.abstention_file or "the shipped thresholds file"
        console_err().print(f"Abstention thresholds written to {where}: {json.dumps(learned)}, relatedness "
                            f"weights {json.dumps(weights)}")
    rep = report(scores, mode=mode)
    answered = abstain_below(answers, thresholds)
    rep["answers"] = answer_report(answered)
    rep["short_answers"] = short_answer_report(answered)
    rep["abstention_thresholds"] = dict(thresholds.values)
    rep["relatedness_weights"] = dict(thresholds.weights)
    rep["abstention"] = {"curves": abstention.curves(with_confidence(answers, thresholds)),
                         "chosen": abstention.chosen_points(answered)}
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        if rep["abstention"]["curves"] and not abstention.draw(
                rep["abstention"]["curves"], rep["abstention"]["chosen"], args.out / "abstention.png",
                title=f"Abstention on {args.gold.name}, mode {mode}"):
            fail(CHART_NEEDS)
        (args.out / "report.json").write_text(json.dumps(rep, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        (args.out / "report.md").write_text(markdown(rep), encoding="utf-8")
    if args.json:
        print(json.dumps(rep, ensure_ascii=False, indent=2))
    else:
        print_report(rep)
    return 0


def _compare(args: argparse.Namespace, settings: Settings, gold) -> int:
    """`kotae eval --compare`: the grid's table on stdout, its files in --out, and the baseline gate."""
    from kotae.evaluation import compare

    if args.mode or args.top_k:
        raise ConfigError("--compare sets each row's mode and scores the top 10; drop --mode and --top-k.")
    model = settings.index.embed_model if settings.index.dense_enabled else None
    with Progress(transient=True, disable=not sys.stderr.isatty(), console=console_err()) as bar:
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
        fail("the fusion-weight rows need an embedding model (--model PATH) and were skipped.")
    for note in result.notes:
        fail(note)
    written = ", ".join(f"compare.{ext}" for ext in ("md", "json", "png")[:3 if charted else 2])
    info(f"Wrote {written} to {out}.")
    if not charted:
        fail(compare.CHART_NEEDS)
    failure = compare.gate(result)
    if failure:
        fail(failure)
        return 1
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from kotae.bench import report
    from kotae.bench.plan import FULL, MODEL, QUICK, REBUILD, STORES_ONLY, with_stores
    from kotae.bench.run import run_bench

    settings = settings_from(args)
    gold = load_gold(args.gold)
    plan = QUICK if args.quick else {"model": MODEL, "rebuild": REBUILD, "stores": STORES_ONLY}.get(args.only, FULL)
    if args.store == "milvus":
        plan = with_stores(plan)
    # Each plan has its own folder, so that a quick or model-only run never replaces the full run's tables.
    out = args.out or Path({"quick": "eval/bench/quick", "model": "eval/bench/model", "rebuild": "eval/bench/rebuild",
                            "stores": "eval/bench/stores"}.get(plan.name, "eval/bench"))
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
               TimeElapsedColumn())
    with (Progress(*columns, console=console_err(), disable=not sys.stderr.isatty()) as bar,
          tempfile.TemporaryDirectory(prefix="kotae-bench-") as work):
        task = bar.add_task("Preparing", total=None)
        results = run_bench(
            settings, plan, gold=gold, model=args.embed_model, workdir=Path(work),
            stage=lambda text, steps: bar.update(task, description=text, total=steps, completed=0),
            step=lambda: bar.advance(task))
    written = report.write_reports(results, out)
    print("\n".join(report.targets_table(results)[2:]))
    info(f"Wrote {', '.join(written)} to {out} ({results['seconds']:.0f} s).")
    for section in ("model", "http"):
        if "skipped" in results.get(section, {}):
            fail(f"{section.upper() if section == 'http' else 'Model'} not measured: {results[section]['skipped']}")
    if not any(name.endswith(".png") for name in written):
        fail(report.CHART_NEEDS)
    return 0
