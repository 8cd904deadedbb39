"""A bounded load test for a running kotae API: many concurrent clients for a fixed time, then throughput,
latency percentiles and errors. A benchmark to run by hand, not a test.

    KOTAE_RATE_LIMIT=0 kotae serve &        # every client here shares one address, so lift the rate limit
    python api/loadtest.py --clients 50 --duration 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import httpx


def questions_from(path: Path) -> list[str]:
    """The questions of a JSONL file ({"question": …} per line, as a gold file or a `kotae search --batch`
    input); the collection is configuration, so there are no built-in ones."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SystemExit(f"loadtest: cannot read the questions file {path} ({exc.strerror}).") from None
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise SystemExit(f"loadtest: {path}:{number} is not JSON ({exc.msg}).") from None
    questions = [r["question"] for r in rows if isinstance(r, dict) and isinstance(r.get("question"), str)]
    if not questions:
        raise SystemExit(f"loadtest: {path} has no {{\"question\": …}} lines.")
    return questions


async def client(http: httpx.AsyncClient, path: str, questions: list[str], until: float, seed: int,
                 latencies: list[float], outcomes: Counter) -> None:
    pick = random.Random(seed)
    while time.perf_counter() < until:
        started = time.perf_counter()
        try:
            response = await http.post(path, json={"question": pick.choice(questions)})
            ok = response.status_code == 200 and (path.endswith("/stream") or bool(response.json()))
            outcomes[str(response.status_code) if not ok else "ok"] += 1
        except httpx.HTTPError as exc:
            outcomes[type(exc).__name__] += 1
            continue
        if ok:
            latencies.append(time.perf_counter() - started)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


async def run(args: argparse.Namespace) -> dict:
    questions = questions_from(args.questions)
    latencies: list[float] = []
    outcomes: Counter = Counter()
    # Idle connections are dropped well before the server's keep-alive time-out (uvicorn's is 5 s); reusing
    # one the server is closing at that moment fails the request, an artefact of the client, not the service.
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients, keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=args.url, limits=limits, timeout=args.timeout) as http:
        (await http.get("/readyz")).raise_for_status()
        started = time.perf_counter()
        until = started + args.duration
        await asyncio.gather(*(client(http, args.path, questions, until, n, latencies, outcomes)
                               for n in range(args.clients)))
        elapsed = time.perf_counter() - started
    errors = sum(n for k, n in outcomes.items() if k != "ok")
    return {
        "url": args.url + args.path, "clients": args.clients, "duration_s": round(elapsed, 1),
        "requests": sum(outcomes.values()), "ok": outcomes["ok"], "errors": errors,
        "error_kinds": {k: n for k, n in outcomes.items() if k != "ok"},
        "throughput_rps": round(outcomes["ok"] / elapsed, 1),
        "latency_ms": {f"p{q}": round(percentile(latencies, q) * 1000, 1) for q in (50, 95, 99)} if latencies else {},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="base URL of the API")
    parser.add_argument("--path", default="/v1/ask", choices=("/v1/ask", "/v1/search", "/v1/ask/stream"))
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds to run (default 20)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a request counts as failed")
    parser.add_argument("--questions", type=Path, default=Path("eval/gold.jsonl"),
                        help="JSONL file with a question per line (default: eval/gold.jsonl)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args))
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
