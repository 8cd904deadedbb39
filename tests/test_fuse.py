"""Weighted reciprocal-rank fusion."""

from __future__ import annotations

import pytest

from kotae.fuse import rrf


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
