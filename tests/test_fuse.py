"""Weighted reciprocal-rank fusion, and fusion of scaled scores."""

from __future__ import annotations

import pytest

from kotae.fuse import rrf, score_fusion


def test_scores_are_weighted_reciprocal_ranks():
    fused = dict(rrf({"lexical": ["a", "b", "c"], "dense": ["c", "a"]}, {"lexical": 1.0, "dense": 1.0}, k=60))
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["b"] == pytest.approx(1 / 62)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)


def test_order_is_best_first():
    fused = rrf({"lexical": ["a", "b", "c"], "dense": ["c", "a"]}, {"lexical": 1.0, "dense": 1.0}, k=60)
    assert [item for item, _ in fused] == ["a", "c", "b"]
    scores = [score for _, score in fused]
    assert scores == sorted(scores, reverse=True)


def test_weights_change_the_order():
    lists = {"lexical": ["a", "b", "c"], "dense": ["c", "a"]}
    fused = rrf(lists, {"lexical": 1.0, "dense": 3.0}, k=60)
    assert [item for item, _ in fused] == ["c", "a", "b"]
    assert dict(fused)["c"] == pytest.approx(1 / 63 + 3 / 61)
    assert dict(fused)["a"] == pytest.approx(1 / 61 + 3 / 62)


def test_zero_weight_removes_a_list():
    fused = rrf({"lexical": ["a", "b"], "dense": ["z", "b"]}, {"lexical": 1.0, "dense": 0.0}, k=60)
    assert fused == [("a", pytest.approx(1 / 61)), ("b", pytest.approx(1 / 62))]


def test_k_controls_how_fast_ranks_fade():
    fused = dict(rrf({"only": ["a", "b"]}, {"only": 2.0}, k=1))
    assert fused == {"a": pytest.approx(2 / 2), "b": pytest.approx(2 / 3)}


def test_ties_keep_first_seen_order():
    weights = {"lexical": 1.0, "dense": 1.0}
    assert [i for i, _ in rrf({"lexical": ["x"], "dense": ["y"]}, weights)] == ["x", "y"]
    assert [i for i, _ in rrf({"dense": ["y"], "lexical": ["x"]}, weights)] == ["y", "x"]
    # The same input always gives the same output.
    lists = {"lexical": [5, 3, 9, 1], "dense": [1, 9, 3, 5]}
    assert rrf(lists, weights) == rrf(lists, weights)
    assert [i for i, _ in rrf(lists, weights)] == [5, 1, 3, 9]


def test_empty_lists_fuse_to_nothing():
    assert rrf({"lexical": [], "dense": []}, {"lexical": 1.0, "dense": 1.0}) == []


def test_score_fusion_scales_each_list_to_0_1_and_takes_the_weighted_mean():
    lists = {"lexical": [("a", 8.0), ("b", 4.0)], "dense": [("b", 0.90), ("c", 0.85), ("a", 0.80)]}
    fused = dict(score_fusion(lists, {"lexical": 1.0, "dense": 1.0}, floors={"lexical": 0.0}))
    # lexical from its floor 0 to 8: a 1, b 0.5, c (missing) 0; dense from its lowest 0.80 to 0.90: b 1, c 0.5, a 0
    assert fused == {"a": pytest.approx(0.5), "b": pytest.approx(0.75), "c": pytest.approx(0.25)}
    weighted = dict(score_fusion(lists, {"lexical": 3.0, "dense": 1.0}, floors={"lexical": 0.0}))
    assert weighted["a"] == pytest.approx(0.75) and weighted["b"] == pytest.approx(0.625)


def test_score_fusion_lets_a_flat_list_move_the_order_little():
    """Ranks would make a nearly flat list's first as strong as a clear one's; scaled scores do not."""
    flat = [("a", 10.0), ("b", 9.9), ("c", 9.8)]
    clear = [("c", 0.95), ("a", 0.80), ("b", 0.79)]
    # From BM25's floor of 0, the flat list's candidates scale to 1, 0.99 and 0.98: its order barely counts.
    floored = score_fusion({"lexical": flat, "dense": clear}, {"lexical": 1.0, "dense": 1.0}, floors={"lexical": 0.0})
    assert [i for i, _ in floored] == ["c", "a", "b"]
    assert [i for i, _ in rrf({"lexical": ["a", "b", "c"], "dense": ["c", "a", "b"]}, {"lexical": 1.0, "dense": 1.0})
            ][0] == "a"  # reciprocal ranks: the flat list's first wins the tie-break as if it were clear


def test_score_fusion_drops_zero_weights_and_keeps_first_seen_order_on_ties():
    lists = {"lexical": [("x", 1.0)], "dense": [("y", 0.5)]}
    assert score_fusion(lists, {"lexical": 1.0, "dense": 0.0}) == [("x", pytest.approx(1.0))]
    assert [i for i, _ in score_fusion(lists, {"lexical": 1.0, "dense": 1.0})] == ["x", "y"]
    assert score_fusion({"lexical": [], "dense": []}, {"lexical": 1.0, "dense": 1.0}) == []
