"""Start-up: how long ``referral-service serve`` takes to answer /healthz, beside a bare Flask app.

    python -m bench.startup [--quick]
    python -m bench.startup --once serve|bare    # one start to ready, then stop (for timing a whole process)

Each run starts the command as a new process and polls GET /healthz every 5 ms until it answers 200;
the figure is the time from starting the process to that first 200. The two commands are run in turn
(serve, bare, serve, bare, ...) so that a change in the machine's speed hits both; the ratio is taken
pair by pair and its median reported. ``serve`` runs as a user runs it (embedded SMS sandbox and
dispatcher included) on a database created by a warm-up start, with the NLU model already cached
(``make`` trains it) and our modules' bytecode compiled, as an installed package has it. Results go to
bench/out/startup.json.
"""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.server import free_port

OUT = Path(__file__).parent / "out"
ROOT = Path(__file__).parent.parent
CEILING_SECONDS = 120


def _command(which: str, port: int) -> list[str]:
    if which == "bare":
        return [sys.executable, "-m", "bench.bare_flask_app", str(port)]
    return [sys.executable, "-m", "referral_service.cli", "serve", "--port", str(port)]


def time_to_ready(which: str, env: dict[str, str]) -> float:
    """Seconds from starting the process to its first 200 from /healthz; the process is stopped after."""
    port, sandbox_port = free_port(), free_port()
    env = {**env, "PORT": str(port), "SMS_SANDBOX_PORT": str(sandbox_port)}
    start = time.perf_counter()
    process = subprocess.Popen(_command(which, port), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{which} exited with {process.returncode}: {process.stderr.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    if response.status == 200:
                        return time.perf_counter() - start
            except OSError:
                pass
            if time.perf_counter() - start > CEILING_SECONDS:
                raise RuntimeError(f"{which} did not answer /healthz within {CEILING_SECONDS} s")
            time.sleep(0.005)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def environment(tmp: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_PATH": str(Path(tmp) / "startup.db"), "LOG_LEVEL": "WARNING"}


def run(pairs: int) -> dict:
    # Bytecode for our own modules, as an installed package (pip, the Docker image) and `make run` have it; with
    # PYTHONDONTWRITEBYTECODE set, Python would otherwise compile every module of ours at every start.
    compileall.compile_dir(str(ROOT / "referral_service"), quiet=1)
    for package in ("bot", "rules", "consent", "bench"):
        compileall.compile_dir(str(ROOT / package), quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(tmp)
        time_to_ready("serve", env)  # warm-up: creates the database, NLU model cached, files in the page cache
        time_to_ready("bare", env)
        serve, bare = [], []
        for _ in range(pairs):
            serve.append(time_to_ready("serve", env))
            bare.append(time_to_ready("bare", env))
    ratios = [s / b for s, b in zip(serve, bare, strict=True)]
    return {
        "pairs": pairs,
        "serve_ms": _summary(serve),
        "bare_flask_ms": _summary(bare),
        "ratio": {"median": round(statistics.median(ratios), 2), "min": round(min(ratios), 2), "max": round(max(ratios), 2)},
    }


def _summary(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"median": round(statistics.median(ms), 1), "min": round(min(ms), 1), "max": round(max(ms), 1)}


def main() -> None:
    if "--once" in sys.argv:
        which = sys.argv[sys.argv.index("--once") + 1]
        with tempfile.TemporaryDirectory() as tmp:
            env = environment(tmp)
            if which == "serve" and os.environ.get("DATABASE_PATH"):
                env["DATABASE_PATH"] = os.environ["DATABASE_PATH"]
            print(f"{which}: ready in {time_to_ready(which, env) * 1000:.0f} ms")
        return
    results = run(pairs=3 if "--quick" in sys.argv else 7)
    OUT.mkdir(exist_ok=True)
    (OUT / "startup.json").write_text(json.dumps(results, indent=2))
    s, b, r = results["serve_ms"], results["bare_flask_ms"], results["ratio"]
    print(f"Start-up to the first 200 from /healthz ({results['pairs']} pairs, run in turn; median [min–max]):")
    print(f"  referral-service serve  {s['median']:>7,.0f} ms  [{s['min']:,.0f}–{s['max']:,.0f}]")
    print(f"  bare Flask app          {b['median']:>7,.0f} ms  [{b['min']:,.0f}–{b['max']:,.0f}]")
    print(f"  serve / bare Flask      {r['median']:.2f}x  [{r['min']:.2f}–{r['max']:.2f}] (pair by pair)")


if __name__ == "__main__":
    main()
