"""Tests for the tiny offline sentence-transformers model used by the test suite."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from kotae.testing import build_tiny_model

pytestmark = pytest.mark.slow  # loads torch and sentence-transformers

TEXTS = [
    "NATOの本部はブリュッセルにある。",
    "日本とNATOは2014年に協力計画に署名した。",
    "岸田首相はストルテンベルグ事務総長と会談した。",
    "NATOは1949年に設立された軍事同盟である。",
    "日本はNATOのパートナー国の一つである。",
    "サイバー防衛は重要な協力分野である。",
    "2023年に国別適合パートナーシップ計画が合意された。",
    "外務省はNATOとの協力を強化すると発表した。",
    "中谷防衛大臣はルッテ事務総長と会談した。",
    "北大西洋条約第5条は集団防衛を定めている。",
    "NATO首脳会議はワシントンで開催された。",
    "日本の代表部がブリュッセルに設置された。",
    "海洋安全保障について意見交換が行われた。",
    "宇宙分野での協力も議題となった。",
    "偽情報への対策が話し合われた。",
    "インド太平洋地域の安全保障は欧州と不可分である。",
    "ロシアによるウクライナ侵略は国際秩序を揺るがしている。",
    "両者は共同声明を発表した。",
    "防衛装備品の相互運用性の向上が求められている。",
    "2025年に新たな協力計画が策定された。",
]


def _encode(folder: pathlib.Path) -> np.ndarray:
    from sentence_transformers import SentenceTransformer  # imported when used: it takes seconds

    model = SentenceTransformer(str(folder), device="cpu")
    return model.encode(TEXTS, convert_to_numpy=True)


def test_dimension_and_unit_norm(tmp_path: pathlib.Path) -> None:
    from sentence_transformers import SentenceTransformer

    folder = build_tiny_model(TEXTS, tmp_path / "model", dim=32)
    model = SentenceTransformer(str(folder), device="cpu")
    assert model.get_embedding_dimension() == 32
    assert model.max_seq_length == 256
    vectors = model.encode(TEXTS, convert_to_numpy=True)
    assert vectors.shape == (len(TEXTS), 32)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_same_seed_gives_same_embeddings(tmp_path: pathlib.Path) -> None:
    first = _encode(build_tiny_model(TEXTS, tmp_path / "a", seed=7))
    second = _encode(build_tiny_model(TEXTS, tmp_path / "b", seed=7))
    other_seed = _encode(build_tiny_model(TEXTS, tmp_path / "c", seed=8))
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, other_seed)


def test_each_sentence_retrieves_itself_first(tmp_path: pathlib.Path) -> None:
    vectors = _encode(build_tiny_model(TEXTS, tmp_path / "model"))
    scores = vectors @ vectors.T
    assert scores.argmax(axis=1).tolist() == list(range(len(TEXTS)))
