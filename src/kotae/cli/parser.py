"""The command line's parser: every command, its options and help, each bound to its handler."""

from __future__ import annotations

import argparse
from pathlib import Path

from kotae import package_version
from kotae.cli import commands, evaluation
from kotae.config import MODES

EXAMPLES = """examples:
  kotae index --corpus my-documents/
  kotae search "本部はどこにありますか"
  kotae search "Where is the headquarters?" --json
  kotae search --batch questions.jsonl > results.jsonl
  kotae ask "この協定が署名されたのはいつ?"
  kotae show DOC_ID
  kotae serve --port 8000
"""


class _Parser(argparse.ArgumentParser):
    """Usage mistakes as one line on stderr (`kotae search: error: …`), exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kotae", description="Answers from your Japanese documents, in Japanese or English, with citations.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"kotae {package_version()}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", required=True, parser_class=_Parser)

    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--index", dest="index_dir", type=Path, help="index folder (default: index, KOTAE_INDEX_DIR)")
    where.add_argument("--corpus", dest="corpus_dir", type=Path,
                       help="corpus folder checked for changes (default: the one the index was built from)")

    p = sub.add_parser("index", help="build the index from a corpus folder",
                       description="Build the index (BM25, and vectors when a model is available).")
    p.add_argument("--corpus", dest="corpus_dir", type=Path,
                   help="folder of documents, subfolders included: .md, .markdown, .txt (UTF-8, UTF-16, EUC-JP or "
                        "Shift_JIS), .html, .htm, .pdf, .docx (default: corpus)")
    p.add_argument("--out", dest="index_dir", type=Path, help="index folder (default: index)")
    p.add_argument("--model", dest="embed_model", help="embedding model name, local folder, or 'none'")
    p.add_argument("--index-type", dest="index_type", choices=("auto", "flat", "hnsw", "ivfpq"),
                   help="FAISS index for the vectors (default: auto, by size; KOTAE_INDEX_TYPE)")
    p.add_argument("--lexicon-extra", dest="lexicon_extra", type=Path,
                   help="a file of your own English→Japanese pairs for English questions, English<TAB>Japanese a "
                        "line (KOTAE_LEXICON_EXTRA)")
    check = p.add_mutually_exclusive_group()
    check.add_argument("--if-stale", action="store_true",
                       help="only build when the index is missing, out of date or damaged (its files are checked "
                            "against the manifest's sizes, SHA-256 hashes and counts)")
    check.add_argument("--verify", action="store_true",
                       help="check the current build's files against its manifest and build nothing; exit status 1 "
                            "when one is damaged")
    p.add_argument("--no-cache", dest="cache", action="store_false",
                   help="redo every file's extraction, analysis and vectors instead of reusing those of earlier "
                        "builds into this index folder (kept in its cache.sqlite)")
    p.add_argument("--strict", action="store_true",
                   help="fail, building nothing, when any file of the corpus would be skipped")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(handler=commands.cmd_index)

    retrieval = argparse.ArgumentParser(add_help=False)
    retrieval.add_argument("--top-k", dest="top_k", type=_top_k, help="passages to return (1–50, default 5)")
    retrieval.add_argument("--mode", choices=MODES, help="retrieval mode (default: auto)")

    p = sub.add_parser("search", parents=[where, retrieval], help="find the passages that answer a question")
    p.add_argument("question", nargs="?", help="a question in Japanese or English")
    p.add_argument("--json", action="store_true", help="print the search result as JSON")
    p.add_argument("--batch", type=Path, metavar="FILE.jsonl",
                   help='read {"id", "question", "history"} lines (id and history optional; a history as in '
                        "ask --history), write one search-result line each")
    p.set_defaults(handler=commands.cmd_search)

    p = sub.add_parser("ask", parents=[where, retrieval], help="ask a question and get a cited answer")
    p.add_argument("question", help="a question in Japanese or English")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--passages", action="store_true",
                   help="print every retrieved passage in full (by default: the answer and one line per source)")
    p.add_argument("--history", type=Path, metavar="FILE",
                   help='the conversation so far, oldest first: a JSON list of {"question": ..., "answer": ...} '
                        'turns or of {"role": "user" or "assistant", "content": ...} chat messages')
    p.set_defaults(handler=commands.cmd_ask)

    p = sub.add_parser("chat", parents=[where, retrieval], help="ask questions interactively in the terminal")
    p.set_defaults(handler=commands.cmd_chat)

    p = sub.add_parser("eval", parents=[where, retrieval], help="measure retrieval quality on a gold set")
    p.add_argument("--gold", type=Path, default=Path("eval/gold.jsonl"),
                   help="gold JSONL file (default: eval/gold.jsonl)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--calibrate", action="store_true",
                   help="learn the abstention thresholds from the gold set and write them to the abstention file "
                        "(KOTAE_ABSTENTION_FILE, default: the thresholds shipped with kotae)")
    p.add_argument("--out", type=Path, help="also write report.json, report.md and abstention.png (abstention "
                   "precision against recall) into this folder (with --compare: compare.md, compare.json and "
                   "compare.png, default eval/reports)")
    p.add_argument("--compare", action="store_true",
                   help="build a small grid of configurations (a plain baseline, the current settings, one change "
                        "each) into temporary indexes and compare them in one table; fails when the current "
                        "settings do not beat the baseline on R@5 in Japanese and English")
    p.add_argument("--model", dest="embed_model",
                   help="embedding model name or folder; with --compare, adds hybrid rows at several fusion weights")
    p.set_defaults(handler=evaluation.cmd_eval)

    p = sub.add_parser("show", parents=[where], help="print a document as it is stored in the index")
    p.add_argument("doc_id", help="a document id (see `kotae search` results)")
    p.add_argument("--json", action="store_true", help="print metadata and text as JSON")
    p.set_defaults(handler=commands.cmd_show)

    p = sub.add_parser("serve", parents=[where], help="serve the HTTP API",
                       description="Serve the HTTP API (docs at /docs); the index is loaded once at start-up. "
                                   "SIGHUP, or POST /v1/admin/reload with KOTAE_ADMIN_TOKEN, loads it again.")
    p.add_argument("--host", help="address to listen on (default: 127.0.0.1, KOTAE_HOST)")
    p.add_argument("--port", type=int, help="port to listen on (default: 8000, KOTAE_PORT)")
    p.add_argument("--workers", type=int, help="server processes, each encoding on its share of the CPUs "
                   "(default: 1, KOTAE_WORKERS; one per core serves the most questions with the model)")
    p.set_defaults(handler=commands.cmd_serve)

    p = sub.add_parser("bench", help="measure build time, query latency and retrieval at scale",
                       description="Benchmark index builds, in-process query latency per mode, lexical retrieval "
                                   "and vector indexes at up to a million chunks and vectors (many minutes), "
                                   "the embedding model, and the HTTP API. Writes bench.json, bench.md and PNG "
                                   "charts; it measures and compares with the targets but fails nothing.")
    plans = p.add_mutually_exclusive_group()
    plans.add_argument("--quick", action="store_true",
                   help="tiny sizes, seconds: a smoke test (its default --out is eval/bench/quick)")
    p.add_argument("--out", type=Path, help="folder for bench.json, bench.md and the charts (default: eval/bench)")
    p.add_argument("--corpus", dest="corpus_dir", type=Path, help="folder of documents (default: corpus)")
    p.add_argument("--gold", type=Path, default=Path("eval/gold.jsonl"),
                   help="gold JSONL file whose questions are timed (default: eval/gold.jsonl)")
    p.add_argument("--store", choices=("local", "milvus"), default="local",
                   help="milvus: also build and search the corpus and a synthetic collection (100,000 chunks; "
                        "2,000 with --quick) in Milvus beside the local store (needs kotae[milvus])")
    plans.add_argument("--only", choices=("model", "rebuild", "stores"),
                   help="model: only what the embedding model costs, at full size (corpus build, query latency, "
                        "the encoder, a 10,000-chunk build, HTTP loads; default --out eval/bench/model); "
                        "rebuild: full and one-file rebuilds of 1,000 files (default --out eval/bench/rebuild); "
                        "stores: the local store and Milvus side by side (default --out eval/bench/stores)")
    p.add_argument("--model", dest="embed_model",
                   help="embedding model for the build, latency, model and HTTP rows: bundled:NAME, a "
                        "sentence-transformers name or folder, or none (default: the configured one, "
                        "bundled:multilingual-e5-small unless set otherwise)")
    p.set_defaults(handler=evaluation.cmd_bench)
    return parser


def _top_k(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 1 <= number <= 50:
        raise argparse.ArgumentTypeError("must be between 1 and 50")
    return number
