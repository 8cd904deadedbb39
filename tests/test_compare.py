"""`kotae eval --compare`: a grid of configurations built into their own indexes, one table, a chart, a gate.

The grid runs on the tiny corpus and its gold set; only the gate's verdict on the shipped corpus is `quality`.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from support import GOLD, SHIPPED_CORPUS, make_settings, write_tiny_gold

from kotae.cli import main
from kotae.evaluation import compare
from kotae.evaluation.gold import GoldItem, load_gold
from kotae.evaluation.metrics import Summary

GRID = [
    ("baseline", dict(compare.BASELINE_OVERRIDES)),
    ("default", {}),
    ("no lexicon", {"lexicon": False}),
    ("no answer types", {"type_weight": 0.0}),
]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _gold_lines() -> list[str]:
    """Six answerable Japanese and six answerable English questions of the shipped gold file, and one unanswerable."""
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    picked = [r for r in rows if r["lang"] == "ja" and r["evidence"]][:6]
    picked += [r for r in rows if r["lang"] == "en" and r["evidence"]][:6]
    picked += [r for r in rows if not r["evidence"]][:1]
    return [json.dumps(r, ensure_ascii=False) for r in picked]


@pytest.fixture(scope="module")
def gold_file(tmp_path_factory) -> Path:
    """A sample of the shipped gold set, for the gate's verdict on the shipped corpus."""
    path = tmp_path_factory.mktemp("gold") / "gold.jsonl"
    path.write_text("\n".join(_gold_lines()) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny_gold_file(tmp_path_factory) -> Path:
    """The tiny corpus's gold set: four answerable Japanese and three English questions, and two unanswerable."""
    return write_tiny_gold(tmp_path_factory.mktemp("tiny-gold") / "gold.jsonl")


@pytest.fixture(scope="module")
def comparison(tmp_path_factory, corpus_dir, tiny_gold_file):
    base = make_settings(corpus_dir, tmp_path_factory.mktemp("unused") / "index")
    stages: list[str] = []
    items: list[int] = []
    result = compare.run_compare(base, load_gold(tiny_gold_file), GRID, workdir=tmp_path_factory.mktemp("grid"),
                                 on_stage=stages.append, on_item=lambda: items.append(1))
    return result, stages, len(items)


def test_every_configuration_of_the_grid_gets_a_row_in_order(comparison):
    result, stages, items = comparison
    assert [r.name for r in result.rows] == [name for name, _ in GRID]
    assert result.questions == 7
    assert items == 9 * len(GRID), "progress advances once per gold question and row"
    for row in result.rows:
        assert row.mode == "lexical"
        assert (row.summaries["ja"].n, row.summaries["en"].n, row.summaries["all"].n) == (4, 3, 7)
        for key in ("ja", "en", "all"):
            assert all(0.0 <= v <= 1.0 for v in row.summaries[key].means.values())
    # Type weight is a query-time setting: its row reuses the default row's index instead of building again.
    assert "no answer types: building" not in stages and "no answer types: evaluating" in stages
    rows = {r.name: r for r in result.rows}
    assert rows["no answer types"].manifest.build_id == rows["default"].manifest.build_id


def test_the_baseline_row_uses_fixed_chunks_surface_terms_and_no_lexicon(comparison, corpus_docs):
    rows = {r.name: r for r in comparison[0].rows}
    baseline, default = rows["baseline"].manifest, rows["default"].manifest
    assert baseline.chunker.method == "fixed" and baseline.chunker.target == 300
    assert baseline.chunker.chunks == sum(-(-len(d.text) // 300) for d in corpus_docs)
    assert baseline.analyzer.term_form == "surface"
    assert baseline.settings["lexicon"] is False and baseline.dense is None
    assert default.chunker.method == "sentences" and default.analyzer.term_form == "orthBase"
    assert default.settings["lexicon"] is True
    assert default.chunker.chunks != baseline.chunker.chunks
    assert rows["no lexicon"].manifest.settings["lexicon"] is False
    assert rows["no lexicon"].manifest.chunker.method == "sentences"


def test_reports_hold_the_table_the_numbers_and_a_png(comparison, tmp_path):
    result = comparison[0]
    charted = compare.write_reports(result, tmp_path / "out", gold="gold.jsonl")
    out = tmp_path / "out"
    table = (out / "compare.md").read_text(encoding="utf-8")
    header = "| " + " | ".join(compare.headers()) + " |"
    assert header in table
    for name, _ in GRID:
        assert f"| {name} | " in table
    data = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in data["rows"]] == [name for name, _ in GRID]
    for row in data["rows"]:
        for key in ("ja", "en", "all"):
            values = [row[key][m] for m in ("R@1", "R@5", "R@10", "MRR@10", "nDCG@10")]
            assert all(isinstance(v, float | int) and 0.0 <= v <= 1.0 for v in values), row["name"]
        assert row["build_seconds"] > 0
    assert data["rows"][0]["index"]["settings"]["chunking"] == "fixed"
    if importlib.util.find_spec("matplotlib") is None:
        assert not charted and not (out / "compare.png").exists()
    else:
        assert charted
        assert (out / "compare.png").read_bytes()[:8] == PNG_MAGIC
        assert (out / "compare.png").stat().st_size > 10_000


def test_without_matplotlib_the_tables_are_still_written(comparison, tmp_path, monkeypatch):
    for name in [n for n in sys.modules if n == "matplotlib" or n.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib…` raise ImportError
    assert compare.write_reports(comparison[0], tmp_path, gold=None) is False
    assert (tmp_path / "compare.md").is_file() and (tmp_path / "compare.json").is_file()
    assert not (tmp_path / "compare.png").exists()


def _row(name: str, ja: float | None, en: float | None) -> compare.Row:
    def summary(value: float | None) -> Summary:
        return Summary(group="g", n=0 if value is None else 10,
                       means={m: value or 0.0 for m in ("R@1", "R@5", "R@10", "MRR@10", "nDCG@10")})

    return compare.Row(name=name, overrides={}, mode="lexical", build_seconds=1.0, manifest={},
                       summaries={"ja": summary(ja), "en": summary(en), "all": summary(ja)})


def test_the_gate_needs_default_to_beat_the_baseline_in_both_languages():
    def verdict(*rows):
        return compare.gate(compare.Comparison(rows=rows, questions=20))

    assert verdict(_row("baseline", 0.8, 0.4), _row("default", 0.9, 0.9)) is None
    failure = verdict(_row("baseline", 0.8, 0.4), _row("default", 0.9, 0.4))
    assert failure and "English 0.400 vs 0.400" in failure and "Japanese" not in failure
    failure = verdict(_row("baseline", 0.95, 0.4), _row("default", 0.9, 0.3))
    assert failure and "Japanese 0.900 vs 0.950" in failure and "English 0.300 vs 0.400" in failure
    assert verdict(_row("baseline", 0.8, None), _row("default", 0.9, None)) is None, "no English questions"
    assert verdict(_row("default", 0.1, 0.1)) is None, "no baseline row, nothing to gate"


def test_row_settings_are_lexical_and_keep_chunk_max_above_the_target(tmp_path):
    base = make_settings(tmp_path / "corpus", tmp_path / "index", embed_model="some/model", mode="hybrid",
                         chunk_max=400)
    settings = compare.row_settings(base, {"chunk_target": 450}, tmp_path / "row")
    assert (settings.index.chunk_target, settings.index.chunk_max) == (450, 450)
    assert settings.index.embed_model == "none" and settings.retrieval.mode == "lexical"
    assert settings.index.index_dir == tmp_path / "row" and settings.index.corpus_dir == tmp_path / "corpus"
    dense = compare.row_settings(base, {"embed_model": "some/model", "mode": "hybrid", "weight_dense": 2.0},
                                 tmp_path / "row")
    assert (dense.index.embed_model, dense.retrieval.mode, dense.retrieval.weight_dense) == \
        ("some/model", "hybrid", 2.0)
    names = [name for name, _ in compare.default_grid(None)]
    assert names[:2] == ["baseline", "default"] and not any("hybrid" in n for n in names)
    rows = [(o["fusion"], o["fusion_en"], o["weight_dense"], o["weight_dense_en"])
            for _, o in compare.default_grid("m") if o.get("mode") == "hybrid" and "rerank" not in o]
    assert rows == [("scores", "scores", w, w) for w in (0.5, 1.0, 1.5)] + [
        ("rrf", "rrf", w, w) for w in (0.1, 0.2, 0.3, 0.5, 1.0)]
    assert ("dense", {"embed_model": "m", "mode": "dense"}) in compare.default_grid("m")
    assert ("hybrid, no rerank", {"embed_model": "m", "mode": "hybrid", "rerank": "none"}) in compare.default_grid("m")


def test_rows_whose_model_cannot_load_are_skipped_with_one_note(tmp_path, corpus_dir):
    gold = [GoldItem(id="q", lang="ja", question="図書館の館長は誰", answer="山田花子", evidence=("山田花子",))]
    grid = [("default", {}), ("hybrid, dense 1", {"embed_model": str(tmp_path / "missing"), "mode": "hybrid"}),
            ("hybrid, dense 2", {"embed_model": str(tmp_path / "missing"), "mode": "hybrid", "weight_dense": 2.0})]
    result = compare.run_compare(make_settings(corpus_dir, tmp_path / "index"), gold, grid, workdir=tmp_path / "grid")
    assert [r.name for r in result.rows] == ["default"]
    assert len(result.notes) == 1 and "'hybrid, dense 1', 'hybrid, dense 2'" in result.notes[0]
    assert "embedding model" in result.notes[0]


def test_hybrid_rows_use_the_model_and_share_one_build(tmp_path, corpus_dir, tiny_model):
    gold = [GoldItem(id="q", lang="ja", question="図書館の館長は誰", answer="山田花子", evidence=("山田花子",))]
    grid = [(name, o) for name, o in compare.default_grid(str(tiny_model)) if o.get("mode") == "hybrid"]
    stages: list[str] = []
    result = compare.run_compare(make_settings(corpus_dir, tmp_path / "index"), gold, grid,
                                 workdir=tmp_path / "grid", on_stage=stages.append)
    assert [r.mode for r in result.rows] == ["hybrid"] * len(grid) == ["hybrid"] * 9 and not result.notes
    assert all(r.manifest.dense.model == str(tiny_model) for r in result.rows)
    assert sum(s.endswith("building") for s in stages) == 1


@pytest.fixture
def small_grid(monkeypatch):
    def use(grid):
        monkeypatch.setattr(compare, "default_grid", lambda model=None: list(grid))

    return use


@pytest.mark.quality  # the default settings beat the baseline on the shipped corpus
def test_cli_prints_the_table_writes_the_files_and_passes_the_gate(gold_file, tmp_path, small_grid, capsys):
    small_grid(GRID[:2])
    code = main(["eval", "--compare", "--gold", str(gold_file), "--corpus", str(SHIPPED_CORPUS), "--model", "none",
                 "--out", str(tmp_path / "reports")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "ja R@5" in out and "baseline" in out and "default" in out
    assert "fusion-weight rows need an embedding model" in err
    assert {p.name for p in (tmp_path / "reports").iterdir()} >= {"compare.md", "compare.json"}


def test_cli_fails_with_one_line_when_default_does_not_beat_the_baseline(tiny_gold_file, corpus_dir, tmp_path,
                                                                         small_grid, capsys):
    small_grid([GRID[0], ("default", dict(compare.BASELINE_OVERRIDES))])
    code = main(["eval", "--compare", "--gold", str(tiny_gold_file), "--corpus", str(corpus_dir), "--model", "none",
                 "--out", str(tmp_path / "reports")])
    _, err = capsys.readouterr()
    assert code == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith("kotae: The default settings do not beat the baseline on R@5")
    assert (tmp_path / "reports" / "compare.json").is_file(), "the reports are written before the gate"


def test_cli_refuses_mode_with_compare(tiny_gold_file, capsys):
    assert main(["eval", "--compare", "--gold", str(tiny_gold_file), "--mode", "lexical"]) == 1
    assert "--compare" in capsys.readouterr().err
