"""`kotae bench --quick` as a smoke test: every section runs and writes well-formed files. No timing thresholds."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil

import pytest

from kotae.bench.plan import TARGETS
from kotae.bench.report import markdown
from kotae.bench.run import targets
from kotae.bench.wrk import lua_script
from kotae.cli import main
from kotae.config import RetrievalSettings

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """`kotae bench --quick` with the default (bundled) model: under a minute, over the shipped corpus and gold set
    (so `slow` and `quality`)."""
    out = tmp_path_factory.mktemp("bench")
    code = main(["bench", "--quick", "--out", str(out)])
    return code, out


def positive(*values) -> bool:
    return all(isinstance(v, (int, float)) and v > 0 for v in values)


@pytest.mark.slow
@pytest.mark.quality
def test_quick_bench_writes_json_markdown_and_charts(quick):
    code, out = quick
    assert code == 0
    results = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    assert results["plan"]["name"] == "quick"
    assert (out / "bench.md").read_text(encoding="utf-8") == markdown(results)
    if importlib.util.find_spec("matplotlib"):
        for name in ("build.png", "latency.png", "lexical_scale.png", "vectors.png", "model.png"):
            assert (out / name).read_bytes().startswith(PNG), name


@pytest.mark.slow
@pytest.mark.quality
def test_build_section_covers_the_corpus_with_the_model_and_a_bigger_synthetic_collection(quick):
    results = json.loads((quick[1] / "bench.json").read_text(encoding="utf-8"))
    assert results["embed_model"] == "bundled:multilingual-e5-small"
    [corpus] = results["build"]
    assert corpus["multiple"] == 1 and corpus["documents"] == 5 and corpus["bytes"] > 0
    assert set(corpus["seconds"]) >= {"lexical", "lexicon", "dense", "write"}
    assert positive(corpus["seconds"]["dense"], corpus["total_s"])
    synthetic = results["model"]["synthetic_build"]
    assert synthetic["chunks"] == results["plan"]["synthetic_chunks"] > corpus["chunks"]
    assert synthetic["embedded"] == results["plan"]["embed_sample"] and synthetic["embed_all_estimated"]
    assert positive(synthetic["lexical_s"], synthetic["embed_s"], synthetic["passages_per_s"],
                    synthetic["embed_s_all"], synthetic["dense_index_s"], synthetic["total_s"])


@pytest.mark.slow
@pytest.mark.quality
def test_model_section_times_the_encoder_and_hybrid_search(quick):
    model = json.loads((quick[1] / "bench.json").read_text(encoding="utf-8"))["model"]
    assert model["backend"] == "onnxruntime" and model["dimension"] == 384
    for stats in (model["encoder"], model["hybrid_search"]):
        assert stats["n"] == model["questions"]
        assert positive(stats["p50_ms"], stats["p99_ms"], stats["mean_ms"]) and stats["p50_ms"] <= stats["p99_ms"]
    assert positive(model["encoder"]["rate_per_s"], model["encoder"]["rate_per_s_from_p50"])


@pytest.mark.slow
@pytest.mark.quality
def test_http_loads_distinct_questions_at_16_and_2_clients(quick):
    results = json.loads((quick[1] / "bench.json").read_text(encoding="utf-8"))
    distinct = results["http"]["distinct"]
    assert distinct["generator"].startswith("wrk" if shutil.which("wrk") else "httpx")
    assert set(distinct["loads"]) == {"16", "2"}
    for load in distinct["loads"].values():
        assert load["ok"] > 0 and isinstance(load["errors"], dict)
        assert positive(load["rps"], load["p50_ms"], load["p99_ms"]) and load["p50_ms"] <= load["p99_ms"]
    measured = {t["target"]: t["measured"] for t in results["targets"]}
    for name in ("/v1/ask at 16 clients vs bare encoder rate", "/v1/ask p50 at 2 clients", "/v1/ask p99 at 2 clients"):
        assert positive(measured[name]), name
    assert measured["/v1/ask errors at 16 and 2 clients"] is not None
    if (os.cpu_count() or 1) > 1:  # the same loads against one server process per core, which the targets read
        per_core = results["http"]["distinct_workers"]
        assert per_core["workers"] == os.cpu_count() and set(per_core["loads"]) == {"16", "2"}
        assert measured["/v1/ask p50 at 2 clients"] == per_core["loads"]["2"]["p50_ms"]
        assert "| 2 | 16 |" in (quick[1] / "bench.md").read_text(encoding="utf-8")


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
               "model": {"encoder": {"rate_per_s": 50.0}},
               "http": {"ask_vs_trivial": 0.3, "distinct": {"loads": {
                   "16": {"rps": 45.0, "p50_ms": 300.0, "p99_ms": 400.0, "errors": {}},
                   "2": {"rps": 40.0, "p50_ms": 20.0, "p99_ms": 120.0, "errors": {"timeout": 1}}}}}}
    checked = targets(results)
    met = {t["target"]: t["met"] for t in checked}
    assert met == {"lexical p50 at corpus scale": False, "lexical p50 at 1M chunks": True,
                   "HNSW recall@10 vs flat at 1M vectors": True, "HNSW p50 at 1M vectors": True,
                   "/v1/ask throughput vs trivial endpoint": False,
                   "/v1/ask at 16 clients vs bare encoder rate": True,  # 45 of 50 a second: 0.9
                   "/v1/ask p50 at 2 clients": True, "/v1/ask p99 at 2 clients": False,
                   "/v1/ask errors at 16 and 2 clients": False}
    assert {t["target"]: t["measured"] for t in checked}["/v1/ask at 16 clients vs bare encoder rate"] == 0.9


def test_targets_read_the_loads_of_one_server_process_per_core_where_there_are_any():
    one = {"16": {"rps": 20.0, "p50_ms": 300.0, "p99_ms": 400.0, "errors": {}},
           "2": {"rps": 40.0, "p50_ms": 40.0, "p99_ms": 90.0, "errors": {}}}
    per_core = {"16": {"rps": 45.0, "p50_ms": 200.0, "p99_ms": 300.0, "errors": {}},
                "2": {"rps": 80.0, "p50_ms": 20.0, "p99_ms": 60.0, "errors": {}}}
    results = {"model": {"encoder": {"rate_per_s": 50.0}}, "http": {"distinct": {"loads": one}}}
    alone = {t["target"]: t["measured"] for t in targets(results)}
    assert alone["/v1/ask at 16 clients vs bare encoder rate"] == 0.4 and alone["/v1/ask p50 at 2 clients"] == 40.0
    results["http"]["distinct_workers"] = {"workers": 2, "loads": per_core}
    served = {t["target"]: t["measured"] for t in targets(results)}
    assert served["/v1/ask at 16 clients vs bare encoder rate"] == 0.9 and served["/v1/ask p50 at 2 clients"] == 20.0


def test_wrk_script_sends_valid_json_with_the_question_last():
    bodies = [{"mode": "hybrid", "question": '日本と"NATO"'}, {"mode": "hybrid", "question": "When?"}]
    script = lua_script("/v1/ask", bodies, "a")
    prefixes = [line.strip()[len("[==["):-len("]==],")] for line in script.splitlines() if "[==[" in line]
    sent = [json.loads(p + ' #a1-7"}') for p in prefixes]  # what `request()` appends
    assert sent == [{"mode": "hybrid", "question": '日本と"NATO" #a1-7'}, {"mode": "hybrid", "question": "When? #a1-7"}]


@pytest.mark.slow
@pytest.mark.quality
def test_rebuild_section_reuses_all_but_the_changed_file(quick):
    rebuild = json.loads((quick[1] / "bench.json").read_text(encoding="utf-8"))["rebuild"]
    files, chunks = rebuild["files"], rebuild["chunks"]
    assert files == 20 and rebuild["dense"]
    assert rebuild["full_reused"] is None  # the first build reuses nothing
    assert f"extracted {files}/{files}" in rebuild["unchanged_reused"]
    assert f"vectors {chunks}/{chunks}" in rebuild["unchanged_reused"]
    assert f"extracted {files - 1}/{files}" in rebuild["one_file_reused"]
    assert positive(rebuild["full_s"], rebuild["unchanged_s"], rebuild["one_file_s"])
    assert "## Rebuilds" in (quick[1] / "bench.md").read_text(encoding="utf-8")
