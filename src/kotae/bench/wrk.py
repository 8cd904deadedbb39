"""Bounded HTTP loads with wrk: POSTs of distinct JSON questions from a Lua script, and wrk's numbers read back."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kotae.bench.measure import BenchmarkUnavailableError, r

# wrk is a C load generator on an event loop: where the clients share two cores with the server, Python clients
# (httpx, threads or asyncio) stall near 750 requests/s and would measure themselves rather than the server.
MARK = "KOTAE_WRK "  # the line `done` prints, among wrk's own report

LUA = """\
-- Each request asks a question with a number no other request in this run uses (a thread's own range, counted
-- up), in the form of kotae.bench.model.distinct, so that the encoder reads as many tokens as in the bare rate.
local prefixes = {
%(prefixes)s
}
local path, tag = %(path)s, %(tag)s
local headers = {["Content-Type"] = "application/json"}
local count = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function request()
  count = count + 1
  local n = ((tid or 0) * 7 + count) %% #prefixes + 1
  return wrk.format("POST", path, headers, prefixes[n] .. " #" .. tag .. ((tid or 0) * 1000000 + count) .. '"}')
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%(mark)s{"seconds": %%.6f, "requests": %%d, "connect": %%d, "read": %%d, "write": %%d, "status": %%d, '
    .. '"timeout": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "mean_us": %%.1f, "max_us": %%d}\\n',
    summary.duration / 1e6, summary.requests, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
"""


def wrk_version() -> str | None:
    """wrk's version line, or None where wrk is not installed."""
    if shutil.which("wrk") is None:
        return None
    shown = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    words = (shown.stdout + shown.stderr).split()
    return " ".join(words[:2]) if words else "wrk"


def lua_script(path: str, bodies: Sequence[dict[str, Any]], tag: str) -> str:
    """The script for POSTs to `path` of each body in turn, whose last field, "question", gets a unique suffix."""
    prefixes = []
    for body in bodies:
        # ASCII JSON up to the question's closing quote; the request adds the suffix, the quote and the brace.
        text = json.dumps({k: v for k, v in body.items() if k != "question"} | {"question": body["question"]})
        prefixes.append(f"  [==[{text[:-2]}]==],")
    return LUA % {"prefixes": "\n".join(prefixes), "path": json.dumps(path), "tag": json.dumps(tag), "mark": MARK}


def run_wrk(base: str, path: str, bodies: Sequence[dict[str, Any]], *, clients: int, seconds: float,
            tag: str) -> dict[str, Any]:
    """`clients` connections (two event-loop threads at most: the machine's other cores serve) asking for
    `seconds`; requests still open at the end are not counted. Failures: non-2xx statuses and socket errors."""
    with tempfile.TemporaryDirectory(prefix="kotae-wrk-") as folder:
        script = Path(folder) / "ask.lua"
        script.write_text(lua_script(path, bodies, tag), encoding="utf-8")
        command = ["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{seconds:g}s", "--timeout", "10s",
                   "--latency", "-s", str(script), base]
        ran = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((x for x in ran.stdout.splitlines() if x.startswith(MARK)), None)
    if ran.returncode != 0 or line is None:
        said = (ran.stderr.strip() or ran.stdout.strip()).splitlines()[-1:] or ["no output"]
        raise BenchmarkUnavailableError(f"wrk failed ({said[0]}).")
    w = json.loads(line[len(MARK):])
    errors = {k: w[k] for k in ("status", "connect", "read", "write", "timeout") if w[k]}
    ok = w["requests"] - w["status"]
    return {"clients": clients, "seconds": r(w["seconds"]), "requests": w["requests"], "ok": ok, "errors": errors,
            "rps": r(ok / w["seconds"]), "p50_ms": r(w["p50_us"] / 1000), "p90_ms": r(w["p90_us"] / 1000),
            "p99_ms": r(w["p99_us"] / 1000), "mean_ms": r(w["mean_us"] / 1000), "max_ms": r(w["max_us"] / 1000)}
