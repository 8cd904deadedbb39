"""HTTP load on the API: the benchmark's section per endpoint, and the load test of a running server."""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from kotae.bench.measure import BenchmarkUnavailableError, Stage, Step, process_memory, r, summary
from kotae.bench.plan import Plan
from kotae.config import Settings
from kotae.evaluation.gold import GoldItem
from kotae.store import read_manifest

PROG = "python -m kotae.bench.http"
DESCRIPTION = ("A bounded load test for a running kotae API: many concurrent clients for a fixed time, then "
               "throughput, latency percentiles and errors.")
USAGE = """\
    KOTAE_RATE_LIMIT=0 kotae serve &        # every client here shares one address, so lift the rate limit
    python -m kotae.bench.http --clients 50 --duration 20"""

Request = tuple[str, str, dict[str, Any] | None]  # method, path, JSON body (None: no body)


@dataclass(frozen=True)
class Load:
    """What a load run saw: the latency of each successful request, every outcome, and how long it ran."""

    latencies: list[float]
    outcomes: Counter[str]  # "ok", or the status code or exception of a failed request
    seconds: float

    @property
    def errors(self) -> dict[str, int]:
        return {k: n for k, n in self.outcomes.items() if k != "ok"}


def limits(clients: int) -> httpx.Limits:
    # Idle connections are dropped well before the server's keep-alive time-out (uvicorn's is 5 s); reusing
    # one the server is closing at that moment fails the request, an artefact of the client, not the service.
    return httpx.Limits(max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=2.0)


def drive(http: httpx.Client, request: Callable[[int, int], Request], *, clients: int, count: int | None = None,
          duration: float | None = None) -> Load:
    """Requests from `clients` concurrent clients until `count` have been sent or `duration` seconds have passed;
    `request(n, client)` is the n-th request, sent by that client. A request succeeds with a 200 and, except for
    a stream, a non-empty JSON body."""
    # Threads on one shared client rather than asyncio: where the clients share two cores with the server,
    # httpx's async client measured about half the requests per second that threads did (/livez and /v1/ask).
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    numbers = itertools.count()
    lock = threading.Lock()
    started = time.perf_counter()
    until = started + duration if duration is not None else math.inf

    def client(c: int) -> None:
        while time.perf_counter() < until:
            with lock:
                n = next(numbers)
            if count is not None and n >= count:
                return
            method, path, body = request(n, c)
            clock = time.perf_counter()
            try:
                response = http.request(method, path, json=body)
                ok = response.status_code == 200 and (path.endswith("/stream") or bool(response.json()))
            except httpx.HTTPError as exc:
                with lock:
                    outcomes[type(exc).__name__] += 1
                continue
            seconds = time.perf_counter() - clock
            with lock:
                outcomes["ok" if ok else str(response.status_code)] += 1
                if ok:
                    latencies.append(seconds)

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))  # re-raises what a client raised
    return Load(latencies, outcomes, time.perf_counter() - started)


# The benchmark's section --------------------------------------------------------------------------------------

# The endpoints loaded, in order: the trivial one first, as the yardstick. The target compares lexical asks
# (kotae's own work per request, as served without a model) with it; hybrid adds the tiny model's encoding.
HTTP_CALLS = (("GET /livez", "GET", "/livez", None),
              ("POST /v1/search lexical", "POST", "/v1/search", "lexical"),
              ("POST /v1/ask lexical", "POST", "/v1/ask", "lexical"),
              ("POST /v1/ask hybrid", "POST", "/v1/ask", "hybrid"))
HTTP_CONCURRENCY = 4
WARM_UP = 50  # requests per endpoint before the timed ones


def bench_http(settings: Settings, plan: Plan, gold: Sequence[GoldItem], *, workdir: Path, stage: Stage,
               step: Step) -> dict[str, Any]:
    """Requests per second and latency of the API's endpoints against its trivial one (/livez), served by
    `kotae serve` in its own process, and that process's resident memory after start-up and after the load."""
    server, base = start_server(settings, workdir)
    try:
        started = process_memory(server.pid)
        stage("HTTP", len(HTTP_CALLS) + 1)
        has_vectors = read_manifest(settings.index.index_dir).dense is not None  # the build may have found no model
        calls = [c for c in HTTP_CALLS if c[3] != "hybrid" or has_vectors]
        endpoints = _load_endpoints(base, calls, gold, plan.http_requests, step)
        model = _distinct_loads(base, gold, plan.http_seconds) if has_vectors else {
            "skipped": "the index has no vectors (no embedding model)"}
        step()
        after = process_memory(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    per_core = _per_core_loads(settings, gold, plan.http_seconds, workdir) if has_vectors else None
    trivial = endpoints["GET /livez"]["rps"]
    return {"requests": plan.http_requests, "concurrency": HTTP_CONCURRENCY, "server": "kotae serve, 1 worker",
            "endpoints": endpoints, "ask_vs_trivial": r(endpoints["POST /v1/ask lexical"]["rps"] / trivial),
            "distinct": model, **({"distinct_workers": per_core} if per_core else {}),
            "rss_mib_started": started.get("VmRSS"), "rss_mib_after": after.get("VmRSS"),
            "private_mib_started": started.get("RssAnon"), "private_mib_after": after.get("RssAnon")}


def _load_endpoints(base: str, calls, gold: Sequence[GoldItem], requests: int,
                    step: Step) -> dict[str, dict[str, Any]]:
    """Each endpoint: `requests` calls, HTTP_CONCURRENCY at a time, after a warm-up; questions cycle through the
    gold file in order."""
    out = {}
    with httpx.Client(base_url=base, limits=limits(HTTP_CONCURRENCY), timeout=60) as http:
        for name, method, path, mode in calls:
            request = _gold_request(method, path, mode, gold)
            drive(http, request, clients=HTTP_CONCURRENCY, count=min(WARM_UP, requests))
            load = drive(http, request, clients=HTTP_CONCURRENCY, count=requests)
            if load.errors:
                raise BenchmarkUnavailableError(f"{name} failed {sum(load.errors.values())} of {requests} requests "
                                                f"({', '.join(f'{k}: {n}' for k, n in load.errors.items())}).")
            out[name] = {"rps": r(requests / load.seconds), **summary(load.latencies)}
            step()
    return out


# With distinct questions every request runs the encoder, as new questions from many users would: the load the
# targets on throughput (16 clients, against the bare encoder's rate) and latency (2 clients) are measured under.
# Two clients first: requests still queued in the server when a load ends (wrk stops sending, the server does not
# stop working) would otherwise be waited for by the next load's first requests.
DISTINCT_CLIENTS = (2, 16)


def _distinct_loads(base: str, gold: Sequence[GoldItem], seconds: float) -> dict[str, Any]:
    """Hybrid asks of never-seen questions for `seconds` at each of DISTINCT_CLIENTS, with wrk where it is
    installed and the threaded httpx clients otherwise (which saturate first on a small machine)."""
    from kotae.bench.model import distinct
    from kotae.bench.wrk import run_wrk, wrk_version

    version = wrk_version()
    bodies = [{"mode": "hybrid", "question": item.question} for item in gold]

    def ask(tag: str) -> Callable[[int, int], Request]:
        def request(n: int, _client: int) -> Request:
            body = bodies[n % len(bodies)]
            return "POST", "/v1/ask", {**body, "question": distinct(body["question"], n, tag)}

        return request

    loads = {}
    with httpx.Client(base_url=base, limits=limits(max(DISTINCT_CLIENTS)), timeout=60) as http:
        drive(http, ask("w"), clients=2, count=WARM_UP)
        for n, clients in enumerate(DISTINCT_CLIENTS):
            tag = "abcdefgh"[n]  # each load's questions are new to the server, not just new within the load
            if version:
                loads[str(clients)] = run_wrk(base, "/v1/ask", bodies, clients=clients, seconds=seconds, tag=tag)
                continue
            load = drive(http, ask(tag), clients=clients, duration=seconds)
            loads[str(clients)] = {"clients": clients, "seconds": r(load.seconds),
                                   "requests": sum(load.outcomes.values()), "ok": load.outcomes["ok"],
                                   "errors": load.errors, "rps": r(load.outcomes["ok"] / load.seconds),
                                   **summary(load.latencies)}
    return {"generator": version or "httpx threads (wrk is not installed)", "path": "/v1/ask", "mode": "hybrid",
            "seconds": seconds, "loads": loads}


def _per_core_loads(settings: Settings, gold: Sequence[GoldItem], seconds: float,
                    workdir: Path) -> dict[str, Any] | None:
    """The distinct loads again against `kotae serve --workers N`, one process per core (each encoding on its own
    core), the way to serve the model on a machine of several cores; None on a single core."""
    workers = os.cpu_count() or 1
    if workers < 2:
        return None
    server, base = start_server(settings, workdir, workers=workers)
    try:
        return {**_distinct_loads(base, gold, seconds), "workers": workers}
    finally:
        server.terminate()
        server.wait(timeout=30)


def _gold_request(method: str, path: str, mode: str | None, gold: Sequence[GoldItem]) -> Callable[[int, int], Request]:
    def request(n: int, _client: int) -> Request:
        if method == "GET":
            return method, path, None
        item = gold[n % len(gold)]
        body: dict[str, Any] = {"question": item.question, "mode": mode}
        if path == "/v1/ask" and item.history:
            body["history"] = [dict(t) for t in item.history]
        return method, path, body

    return request


def start_server(settings: Settings, workdir: Path, *, workers: int = 1):
    """`kotae serve` over the benchmark's index, rate limit off, on a free port, in `workers` processes; waits until
    /readyz says ready."""
    import socket
    import subprocess

    if find_spec("kotae_api") is None or find_spec("uvicorn") is None:
        raise BenchmarkUnavailableError("The HTTP benchmark needs the API app (kotae_api) and uvicorn installed.")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "KOTAE_INDEX_DIR": str(settings.index.index_dir),
           "KOTAE_CORPUS_DIR": str(settings.index.corpus_dir), "KOTAE_EMBED_MODEL": settings.index.embed_model,
           "KOTAE_RATE_LIMIT": "0", "KOTAE_WORKERS": str(workers)}
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "kotae.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = (workdir / "server.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
            raise BenchmarkUnavailableError(f"The API server stopped at start-up ({' '.join(tail) or 'no output'}).")
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise BenchmarkUnavailableError("The API server did not become ready within two minutes.")


# The load test of a running server ----------------------------------------------------------------------------


def questions_from(path: Path) -> list[str]:
    """The questions of a JSONL file ({"question": …} per line, as a gold file or a `kotae search --batch`
    input); the collection is configuration, so there are no built-in ones."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SystemExit(f"{PROG}: cannot read the questions file {path} ({exc.strerror}).") from None
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise SystemExit(f"{PROG}: {path}:{number} is not JSON ({exc.msg}).") from None
    questions = [r["question"] for r in rows if isinstance(r, dict) and isinstance(r.get("question"), str)]
    if not questions:
        raise SystemExit(f"{PROG}: {path} has no {{\"question\": …}} lines.")
    return questions


def load_test(url: str, path: str, questions: list[str], *, clients: int, duration: float,
              timeout: float) -> dict[str, Any]:
    """`clients` clients, each asking questions drawn at random (seeded by client), for `duration` seconds."""
    picks = [random.Random(seed) for seed in range(clients)]
    with httpx.Client(base_url=url, limits=limits(clients), timeout=timeout) as http:
        http.get("/readyz").raise_for_status()
        load = drive(http, lambda _n, c: ("POST", path, {"question": picks[c].choice(questions)}),
                           clients=clients, duration=duration)
    ms = np.asarray(load.latencies, dtype=np.float64) * 1000
    return {
        "url": url + path, "clients": clients, "duration_s": round(load.seconds, 1),
        "requests": sum(load.outcomes.values()), "ok": load.outcomes["ok"], "errors": sum(load.errors.values()),
        "error_kinds": load.errors,
        "throughput_rps": round(load.outcomes["ok"] / load.seconds, 1),
        "latency_ms": {f"p{q}": round(float(np.percentile(ms, q)), 1) for q in (50, 95, 99)} if ms.size else {},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION, epilog=USAGE,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="base URL of the API")
    parser.add_argument("--path", default="/v1/ask", choices=("/v1/ask", "/v1/search", "/v1/ask/stream"))
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds to run (default 20)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a request counts as failed")
    parser.add_argument("--questions", type=Path, default=Path("eval/gold.jsonl"),
                        help="JSONL file with a question per line (default: eval/gold.jsonl)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    result = load_test(args.url, args.path, questions_from(args.questions), clients=args.clients,
                       duration=args.duration, timeout=args.timeout)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        lat = result["latency_ms"]
        print(f"{result['url']}: {result['clients']} clients for {result['duration_s']} s")
        print(f"  {result['requests']} requests, {result['ok']} ok, {result['errors']} errors "
              f"{result['error_kinds'] or ''}".rstrip())
        print(f"  throughput {result['throughput_rps']} requests/s; latency p50 {lat.get('p50')} ms, "
              f"p95 {lat.get('p95')} ms, p99 {lat.get('p99')} ms")
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
