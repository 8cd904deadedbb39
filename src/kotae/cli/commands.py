"""The commands that build, search, answer, show and serve; each reads its arguments and calls the facade."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from kotae.cli import inputs
from kotae.cli.render import fail, info, print_answer, print_document, print_result
from kotae.config import Settings
from kotae.errors import ConfigError, IndexMissingError, KotaeError, StaleIndexError

SETTING_ARGS = ("corpus_dir", "index_dir", "embed_model", "top_k", "mode", "index_type", "lexicon_extra")
SERVER_ARGS = ("host", "port", "workers")


def settings_from(args: argparse.Namespace) -> Settings:
    """The library's settings: the environment's, with the options given on the command line on top."""
    return Settings.of(**{k: getattr(args, k) for k in SETTING_ARGS if getattr(args, k, None) is not None})


def open_index(args: argparse.Namespace, *, check: bool = True):
    """The facade over the index the arguments name."""
    import kotae

    return kotae.open(settings=settings_from(args), check=check)


def cmd_index(args: argparse.Namespace) -> int:
    from kotae.build import build_index
    from kotae.facade import Kotae
    from kotae.store import check_fresh, load_index, read_manifest, with_recorded_corpus

    settings = settings_from(args)
    if args.verify:
        return _verify(settings, args.quiet)
    if args.if_stale:
        # Checked against, and rebuilt from, the corpus the index was built from unless one is given: what is
        # stale is that index, not another corpus's.
        settings = with_recorded_corpus(settings)
        try:
            check_fresh(read_manifest(settings.index.index_dir), settings)
            # Up to date is not enough: every file must also match its manifest, hashes included (a damaged build
            # is rebuilt), and the vectors' model must be the one installed here (another version makes other
            # vectors). This reads the build once more than `serve` alone would.
            reason = Kotae(load_index(settings, check=False, verify=True), settings).retriever.dense_unavailable()
            info("The index is up to date." + (f" {reason}, so it will be searched lexically." if reason else ""),
                 args.quiet)
            return 0
        except (IndexMissingError, StaleIndexError) as exc:
            info(f"{exc} Rebuilding." if isinstance(exc, StaleIndexError) else "Building the index.", args.quiet)
    progress = not args.quiet and sys.stderr.isatty()
    result = build_index(settings, progress=progress, report=lambda m: info(m, args.quiet), strict=args.strict,
                         cache=args.cache)
    for skipped in result.skipped:
        print(f"kotae: skipped {skipped}", file=sys.stderr)
    for note in result.notes:
        print(f"kotae: {note}", file=sys.stderr)
    if result.cache:
        info(result.cache, args.quiet)
    m = result.manifest
    dense = (f"vectors: {m.dense.model} ({m.dense.dimension} dims, {m.dense.index_type})" if m.dense
             else "vectors: none")
    seconds = sum(m.build_seconds.values())
    passed_over = (f" ({len(result.skipped)} file{'s' if len(result.skipped) > 1 else ''} skipped)"
                   if result.skipped else "")
    info(f"Indexed {m.corpus.documents} documents{passed_over} into {m.chunker.chunks} chunks in {seconds:.1f} s; "
         f"BM25 vocabulary {m.lexical.vocabulary}; {dense}.", args.quiet)
    return 0


def _verify(settings: Settings, quiet: bool) -> int:
    """Check every file of the current build against its manifest (sizes, SHA-256 hashes, counts); build nothing."""
    from kotae.store import load_index, with_recorded_corpus

    clock = time.perf_counter()
    index = load_index(with_recorded_corpus(settings), check=False, verify=True)
    seconds = time.perf_counter() - clock
    files = index.manifest.files
    size = sum(r.size for r in files.values())
    info(f"The index in {settings.index.index_dir} is intact: {index.manifest.build_id}, {len(files)} files "
         f"({size / 1e6:.1f} MB) match the sizes, SHA-256 hashes and counts of its manifest ({seconds:.2f} s).", quiet)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    if (args.question is None) == (args.batch is None):
        raise ConfigError("Give either a question or --batch FILE.jsonl.")
    kotae = open_index(args)
    if args.batch is not None:
        rows = inputs.batch_questions(args.batch)
        for result in kotae.search_batch([q for _, q, _ in rows], mode=args.mode, top_k=args.top_k,
                                         qids=[i for i, _, _ in rows], histories=[h for _, _, h in rows]):
            print(json.dumps(result.to_dict(), ensure_ascii=False), flush=True)
        return 0
    result = kotae.search(args.question, mode=args.mode, top_k=args.top_k)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_result(result)
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    answer = open_index(args).ask(args.question, history=inputs.history(args.history), mode=args.mode,
                                  top_k=args.top_k)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_answer(answer, passages=args.passages)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from kotae.cli.render import console

    kotae = open_index(args)
    history: list[dict[str, Any]] = []
    console().print("[bold]kotae[/bold] — ask in Japanese or English; follow-up questions may refer to earlier ones. "
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
            answer = kotae.ask(question, history=history, mode=args.mode, top_k=args.top_k)
        except KotaeError as exc:
            fail(str(exc))
            continue
        print_answer(answer)
        history.append({"question": question, "answer": answer.text})


def cmd_show(args: argparse.Namespace) -> int:
    doc = open_index(args, check=False).document(args.doc_id)
    if args.json:
        print(json.dumps({"id": doc.id, "title": doc.title, "meta": dict(doc.meta), "text": doc.text},
                         ensure_ascii=False, indent=2))
    else:
        print_document(doc)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from kotae_api.serve import serve
    from kotae_api.settings import ServerSettings

    server = ServerSettings(**{k: getattr(args, k) for k in SERVER_ARGS if getattr(args, k, None) is not None})
    serve(settings_from(args), server)
    return 0
