"""`kotae bench --quick` as a smoke test: every section runs and writes well-formed files. No timing thresholds."""

from __future__ import annotations

import importlib.util
import json

import pytest

from kotae.bench.plan import TARGETS
from kotae.bench.report import markdown
from kotae.bench.run import targets
from kotae.cli import main
from kotae.config import RetrievalSettings

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def quick(tmp_path_factory, tiny_model):
    """`kotae bench --quick`: tens of seconds, over the shipped corpus and gold set (so `slow` and `quality`)."""
    out = tmp_path_factory.mktemp("bench")
    code = main(["bench", "--quick", "--out", str(out), "--model", str(tiny_model)])
    return code, out


@pytest.mark.slow
@pytest.mark.quality
def test_quick_bench_writes_json_markdown_and_charts(quick):
    code, out = quick
    assert code == 0
    results = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    assert results["plan"]["name"] == "quick"
    assert (out / "bench.md").read_text(encoding="utf-8") == markdown(results)
    if importlib.util.find_spec("matplotlib"):
        for name in ("build.png", "latency.png", "lexical_scale.png", "vectors.png"):
            assert (out / name).read_bytes().startswith(PNG), name


@pytest.mark.slow
@pytest.mark.quality
def test_build_section_covers_the_corpus_and_a_bigger_one(quick):
    results = json.loads((quick[1] / "bench.json").read_text(encoding="utf-8"))
    corpus, bigger = results["build"]
    assert corpus["multiple"] == 1 and corpus["documents"] == 5
    assert bigger["characters"] > corpus["characters"] and bigger["chunks"] > corpus["chunks"]
    for row in results["build"]:
        assert set(row["seconds"]) >= {"lexical", "lexicon", "dense", "write"}
        assert row["bytes"] > 0


@pytest.mark.slow
@pytest.mark.quality
def test_latency_per_mode_has_percentiles(quick):
    latency = json.loads((quick[1] / "bench.json").read_text(encoding="utf-8"))["latency"]
    assert set(latency["modes"]) == {"search lexical", "search dense", "search hybrid", "ask lexical", "ask hybrid"}
    for stats in latency["modes"].values():
        assert stats["n"] == latency["questions"] * latency["repeats"]
        assert 0 < stats["p50_ms"] <= stats["p95_ms"] <= stats["p99_ms"]


@pytest.mark.slow
@pytest.mark.quality
def test_scale_sections_measure_every_size_and_index_type(quick):
    results = json.loads((quick[1] / "bench.json").read_text(encoding="utf-8"))
    plan = results["plan"]
    lexical = results["lexical_scale"]
    assert [r["chunks"] for r in lexical] == plan["lexical_sizes"]
    for row in lexical:
        assert row["bytes"] > 0 and row["tokens"] > row["chunks"]
        assert set(row["by_lang"]) == {"ja", "en"}
        assert set(row["stages_ms"]) == {"analyse and translate", "direct terms", "translated words",
                                         "answer types", "top k"}
    vectors = results["vectors"]
    assert vectors["count"] == plan["vectors"]
    assert {r["type"] for r in vectors["indexes"]} == {"flat", "hnsw", "ivfpq"}
    flat = next(r for r in vectors["indexes"] if r["type"] == "flat")
    assert flat["recall_at_10"] == 1.0
    for row in vectors["indexes"]:
        assert 0 <= row["recall_at_10"] <= 1 and row["bytes"] >= row["resident_bytes"] > 0


@pytest.mark.slow
@pytest.mark.quality
def test_targets_are_listed_and_unmeasured_ones_say_so(quick):
    results = json.loads((quick[1] / "bench.json").read_text(encoding="utf-8"))
    assert [t["target"] for t in results["targets"]] == [name for name, _, _ in TARGETS]
    by_name = {t["target"]: t for t in results["targets"]}
    assert by_name["lexical p50 at corpus scale"]["measured"] is not None
    assert by_name["lexical p50 at 1M chunks"]["met"] is None, "the quick run has no million-chunk collection"
    assert "## Targets" in (quick[1] / "bench.md").read_text(encoding="utf-8")


def test_targets_compare_the_measured_values_with_the_limits():
    ef = RetrievalSettings.model_fields["hnsw_ef_search"].default  # the target is judged at the default efSearch
    hnsw = [{"type": "hnsw", "ef_search": ef, "recall_at_10": 0.97, "p50_ms": 0.8},
            {"type": "hnsw", "ef_search": ef // 2, "recall_at_10": 0.90, "p50_ms": 0.4}]
    results = {"latency": {"modes": {"search lexical": {"p50_ms": 3.0}}},
               "lexical_scale": [{"chunks": 10_000, "p50_ms": 60.0}, {"chunks": 1_000_000, "p50_ms": 20.0}],
               "vectors": {"count": 1_000_000, "indexes": hnsw},
               "http": {"ask_vs_trivial": 0.3}}
    met = {t["target"]: t["met"] for t in targets(results)}
    assert met == {"lexical p50 at corpus scale": False, "lexical p50 at 1M chunks": True,
                   "HNSW recall@10 vs flat at 1M vectors": True, "HNSW p50 at 1M vectors": True,
                   "/v1/ask throughput vs trivial endpoint": False}
