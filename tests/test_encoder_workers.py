"""The encoder's own threads: every caller gets its own vectors, waiting questions share a call in arrival order,
a lone call gets every core and overlapping calls one each, and a failing call fails only its callers."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from kotae.embed_workers import EncoderWorkers


class FakeEngine:
    """Vectors that name their text; records each call's texts and the cores its thread was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], int | None]] = []
        self.threads: dict[int, int] = {}  # calling thread → cores set
        self.gate: threading.Event | None = None
        self.entered = threading.Semaphore(0)
        self.lock = threading.Lock()

    def set_threads(self, n: int) -> None:
        self.threads[threading.get_ident()] = n

    def encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        with self.lock:
            self.calls.append((list(texts), self.threads.get(threading.get_ident())))
        self.entered.release()
        if self.gate is not None:
            assert self.gate.wait(10)
        if any(t == "boom" for t in texts):
            raise RuntimeError("engine failed")
        return np.array([[len(t), float(is_query)] for t in texts], dtype=np.float32)


def test_concurrent_callers_each_get_their_own_rows():
    engine = FakeEngine()
    workers = EncoderWorkers(engine.encode, workers=2, cores=2, set_threads=engine.set_threads)
    texts = ["x" * n for n in range(1, 41)]
    results: dict[str, np.ndarray] = {}

    def ask(text: str) -> None:
        results[text] = workers.encode([text], is_query=True)

    threads = [threading.Thread(target=ask, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for text in texts:
        np.testing.assert_array_equal(results[text], [[len(text), 1.0]])
    passages = workers.encode(["ab", "abc"], is_query=False)
    np.testing.assert_array_equal(passages, [[2, 0.0], [3, 0.0]])


def test_questions_waiting_together_share_one_call_in_arrival_order():
    engine = FakeEngine()
    engine.gate = threading.Event()
    workers = EncoderWorkers(engine.encode, workers=1, cores=2, set_threads=engine.set_threads, max_batch=3)
    first = workers.submit(["first"], is_query=True)
    assert engine.entered.acquire(timeout=10)  # the worker is busy with it
    waiting = [workers.submit([f"q{n}"], is_query=True) for n in range(5)]
    engine.gate.set()
    for n, future in enumerate(waiting):
        np.testing.assert_array_equal(future.result(timeout=10), [[len(f"q{n}"), 1.0]])
    first.result(timeout=10)
    assert [texts for texts, _ in engine.calls] == [["first"], ["q0", "q1", "q2"], ["q3", "q4"]]


def test_a_lone_call_gets_every_core_and_overlapping_calls_one_each():
    engine = FakeEngine()
    workers = EncoderWorkers(engine.encode, workers=2, cores=2, set_threads=engine.set_threads)
    workers.encode(["alone"], is_query=True)
    assert engine.calls[-1] == (["alone"], 2)
    assert engine.entered.acquire(timeout=10)
    engine.gate = threading.Event()
    running = workers.submit(["one"], is_query=True)
    assert engine.entered.acquire(timeout=10)
    overlapping = workers.submit(["two"], is_query=True)  # arrives while "one" runs: the second worker takes it
    assert engine.entered.acquire(timeout=10)
    engine.gate.set()
    running.result(timeout=10)
    overlapping.result(timeout=10)
    engine.gate = None
    workers.encode(["soon after"], is_query=True)  # within SHARED_FOR of the overlap: still one core
    cores = {tuple(texts): n for texts, n in engine.calls}
    assert cores[("two",)] == 1 and cores[("soon after",)] == 1


def test_a_failing_call_fails_its_callers_and_the_workers_go_on():
    engine = FakeEngine()
    workers = EncoderWorkers(engine.encode, workers=2, cores=2)
    with pytest.raises(RuntimeError, match="engine failed"):
        workers.encode(["boom"], is_query=True)
    np.testing.assert_array_equal(workers.encode(["fine"], is_query=True), [[4, 1.0]])


def test_a_cancelled_question_is_never_encoded():
    engine = FakeEngine()
    engine.gate = threading.Event()
    workers = EncoderWorkers(engine.encode, workers=1, cores=2)
    busy = workers.submit(["busy"], is_query=True)
    assert engine.entered.acquire(timeout=10)
    dropped = workers.submit(["dropped"], is_query=True)
    assert dropped.cancel()
    kept = workers.submit(["kept"], is_query=True)
    engine.gate.set()
    busy.result(timeout=10)
    kept.result(timeout=10)
    assert all("dropped" not in texts for texts, _ in engine.calls)


def test_passages_are_encoded_on_one_core_even_alone():
    """A long text's vector may differ in the last digits with the cores it is run on: a build's are always on one,
    so that it gives the same vectors whatever ran beside it."""
    engine = FakeEngine()
    workers = EncoderWorkers(engine.encode, workers=2, cores=2, set_threads=engine.set_threads)
    workers.encode(["a passage"], is_query=False)
    workers.encode(["a question"], is_query=True)
    assert engine.calls == [(["a passage"], 1), (["a question"], 2)]


def test_on_one_core_a_question_is_encoded_in_its_callers_thread_one_at_a_time():
    engine = FakeEngine()
    inside, most, ran_in = [0], [0], {}
    encode = engine.encode

    def counting(texts: list[str], is_query: bool) -> np.ndarray:
        with engine.lock:
            ran_in[texts[0]] = threading.current_thread().name
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        try:
            return encode(texts, is_query)
        finally:
            with engine.lock:
                inside[0] -= 1

    workers = EncoderWorkers(counting, workers=1, cores=1, set_threads=engine.set_threads)
    results: dict[str, np.ndarray] = {}

    def ask(text: str) -> None:
        results[text] = workers.encode([text], is_query=True)

    engine.gate = threading.Event()
    threads = [threading.Thread(target=ask, args=("q" * n,), name=f"caller {n}") for n in range(1, 9)]
    for t in threads:
        t.start()
    assert engine.entered.acquire(timeout=10)  # one caller is encoding…
    assert not engine.entered.acquire(timeout=0.2)  # …and no other starts beside it
    engine.gate.set()
    for t in threads:
        t.join()
    assert most[0] == 1
    for text, vector in results.items():
        np.testing.assert_array_equal(vector, [[len(text), 1.0]])
        assert ran_in[text] == f"caller {len(text)}"  # the caller's own thread ran it
    assert {cores for _, cores in engine.calls} == {1}
    workers.encode(["a passage"], is_query=False)  # passages keep the worker's thread (a build's progress)
    assert ran_in["a passage"] == "kotae-encoder-0"
