"""The threads that run an OpenMP encoder: every call from any thread is queued and run by one of a few workers,
a lone call on every core, overlapping calls one core each, and questions waiting together in one call; on a single
core, a question runs in its caller's thread, one at a time."""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

# encode(texts, is_query) -> one row per text; set_threads(n) sets the cores the calling thread's next call uses.
Encode = Callable[[list[str], bool], np.ndarray]
SetThreads = Callable[[int], None]
SHARED_FOR = 1.0  # seconds after two calls overlapped during which every call gets one core


@dataclass
class _Job:
    texts: list[str]
    is_query: bool
    future: Future = field(default_factory=Future)


class EncoderWorkers:
    """Runs an encoder's calls on `workers` threads of its own; `submit` is safe from any number of threads.

    Why workers rather than calling the engine from each request's thread: an OpenMP runtime keeps a team of
    threads for every thread that asks for parallel work, and once there are more of them than cores it stops
    letting them spin between regions, so every region pays for waking threads (twice the time per question, as
    measured). Here only the workers call the engine, and only the first of them (the leader) ever asks for more
    than one core: there is one team, and a lone client always finds it warm.

    Cores per call: the leader, alone, uses every core (one question is encoded fastest by splitting its
    matrices). Once calls overlap (a second one arrives while one runs), and for `SHARED_FOR` seconds after,
    every call uses one core, side by side: no team thread waits on a core another call holds. Questions queued
    while the workers were busy go together in one call of at most `max_batch` (the engine spreads a batch over
    its threads, one text each), in the order they came: nobody waits behind later arrivals.

    With one worker on one core (each process of a server of several, for instance), a question is encoded in the
    calling thread instead, one at a time: handing it to the worker and back cost 0.3–0.8 ms of CPU time (measured
    with questions of the project's gold set, 5 ms each on that core).

    Passages (a build's) are encoded on one core a call, lone or not: an engine may sum a long text's products in
    another order on more cores (onnxruntime does, for one of the shipped corpus's 89 chunks), and a build then
    gives the same vectors whatever else ran beside it. Questions are short enough not to differ (none of the gold
    set's does, on 1 and 2 cores).
    """

    def __init__(self, encode: Encode, *, workers: int, cores: int, set_threads: SetThreads | None = None,
                 max_batch: int = 8) -> None:
        self._encode, self._set_threads = encode, set_threads
        self._cores, self._max_batch, self._workers = max(1, cores), max(1, max_batch), max(1, workers)
        self._inline = self._cores == 1 and self._workers == 1
        self._start()

    def _start(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._calling = threading.Lock()  # held by a question encoded in its caller's thread
        self._pending: deque[_Job] = deque()
        self._idle: list[threading.Event] = []  # the most recently idle last
        self._leader = threading.Event()
        self._shared_until = 0.0  # until then calls overlap and each gets one core
        self._busy = 0  # workers running a call
        for n in range(self._workers):
            wake = self._leader if n == 0 else threading.Event()
            threading.Thread(target=self._run, args=(wake,), name=f"kotae-encoder-{n}", daemon=True).start()

    def submit(self, texts: Sequence[str], *, is_query: bool) -> Future:
        """A future of the texts' vectors (one row each)."""
        job = _Job(list(texts), is_query)
        if os.getpid() != self._pid:  # a forked process has none of its parent's threads: it starts its own
            self._start()
        if self._inline and is_query:
            with self._calling:
                self._call([job], cores=1)
            return job.future
        with self._lock:
            if self._busy:  # another call is running: calls overlap, give each one core
                self._shared_until = time.monotonic() + SHARED_FOR
            self._pending.append(job)
            if self._leader in self._idle:
                self._idle.remove(self._leader)
                self._leader.set()
            elif self._idle:
                self._idle.pop().set()
        return job.future

    def encode(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        return self.submit(texts, is_query=is_query).result()

    def _take(self) -> list[_Job]:
        """The next job, with the single questions queued right behind it; called holding the lock."""
        jobs = [self._pending.popleft()]
        if len(jobs[0].texts) == 1 and jobs[0].is_query:
            while (len(jobs) < self._max_batch and self._pending and len(self._pending[0].texts) == 1
                   and self._pending[0].is_query):
                jobs.append(self._pending.popleft())
        return jobs

    def _run(self, wake: threading.Event) -> None:
        leader = wake is self._leader
        while True:
            with self._lock:
                if not self._pending:
                    wake.clear()
                    self._idle.append(wake)
                    jobs = None
                else:
                    jobs = self._take()
                    alone = not self._busy and time.monotonic() >= self._shared_until
                    self._busy += 1
            if jobs is None:
                wake.wait()
                continue
            try:  # passages always on one core: see the class's note
                self._call(jobs, cores=self._cores if leader and alone and jobs[0].is_query else 1)
            finally:
                with self._lock:
                    self._busy -= 1

    def _call(self, jobs: list[_Job], *, cores: int) -> None:
        jobs = [job for job in jobs if job.future.set_running_or_notify_cancel()]
        if not jobs:
            return
        if self._set_threads is not None:
            self._set_threads(cores)
        texts = [text for job in jobs for text in job.texts]
        try:
            vectors = self._encode(texts, jobs[0].is_query)
        except BaseException as exc:  # noqa: BLE001 — every caller of the call hears of its failure
            for job in jobs:
                job.future.set_exception(exc)
            return
        start = 0
        for job in jobs:
            job.future.set_result(vectors[start:start + len(job.texts)])
            start += len(job.texts)
