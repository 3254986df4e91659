"""`make bench`: run every benchmark, then write bench/report.md and PNG charts (matplotlib).

Each benchmark module writes its figures to bench/out/<name>.json and prints them; this collects
them into one report with a summary table against the targets. Figures are measured on the machine
that runs it (noisy: medians and ranges, ratios against baselines run in the same process).
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "out"
BENCHMARKS = ["startup", "eligibility", "http_load", "bot_turns", "sms", "safety", "scale_out"]


def run_benchmarks(quick: bool) -> dict[str, dict]:
    results = {}
    for name in BENCHMARKS:
        print(f"== {name}", flush=True)
        args = [sys.executable, "-m", f"bench.{name}"] + (["--quick"] if quick else [])
        completed = subprocess.run(args, cwd=HERE.parent)
        path = OUT / f"{name}.json"
        if completed.returncode == 0 and path.exists():
            results[name] = json.loads(path.read_text())
        else:
            results[name] = {"error": f"exit code {completed.returncode}"}
    return results


def _chart(path: Path, title: str, labels: list[str], values: list[float], unit: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2))
    bars = ax.barh(labels, values, color="#005eb8")
    ax.bar_label(bars, labels=[f"{v:,.1f}" for v in values], padding=3)
    ax.set_xlabel(unit)
    ax.set_title(title)
    ax.margins(x=0.2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _row(name: str, figure: str, target: str, met: bool | None) -> str:
    verdict = "n/a" if met is None else ("met" if met else "NOT met")
    return f"| {name} | {figure} | {target} | {verdict} |"


def write_report(results: dict[str, dict]) -> str:
    rows = ["| measure | figure | target | |", "| --- | --- | --- | --- |"]
    charts = []
    start = results.get("startup")
    if start and "error" not in start:
        rows.append(_row("serve start-up to the first /healthz 200, vs a bare Flask app (same run, in turn)",
                         f"{start['serve_ms']['median']:,.0f} ms vs {start['bare_flask_ms']['median']:,.0f} ms = "
                         f"{start['ratio']['median']:.2f}x", "<= 4x", start["ratio"]["median"] <= 4))
    el = results.get("eligibility", {}).get("in_process")
    if el:
        rows.append(_row("eligibility decisions/s in-process (median; cold first pass)",
                         f"{el['engine']['median']:,.0f} ({el['engine_cold']['median']:,.0f} cold)", "", None))
        rows.append(_row("… vs zen-engine (same rules)", f"{el['vs_zen']:.1f}x", ">= 50x", el["vs_zen"] >= 50))
        rows.append(_row("… hand-written / engine, warm", f"{el['vs_handwritten']:.2f}x", "<= 1.5x", el["vs_handwritten"] <= 1.5))
        if "vs_handwritten_cold" in el:
            rows.append(_row("… hand-written / engine, cold (a fresh engine's first pass)", f"{el['vs_handwritten_cold']:.2f}x",
                             "<= 1.5x", el["vs_handwritten_cold"] <= 1.5))
    eh = results.get("eligibility", {}).get("http")
    if eh and "ratio_vs_plain_json" in eh:
        rows.append(_row("HTTP eligibility / plain Flask endpoint parsing the same JSON (gunicorn 2 workers, 16 connections, "
                         "limiter on, not limiting)",
                         f"{eh['ratio_vs_plain_json']:.2f} in throughput ({eh['cpu_ratio_vs_plain_json']:.2f} per server "
                         f"CPU-second); eligibility p99 {eh['eligibility']['p99_ms']} ms", ">= 0.7",
                         eh["ratio_vs_plain_json"] >= 0.7))
        rows.append(_row("… eligibility / a bare Flask app in the same server (no limiter, no hooks)",
                         f"{eh['ratio_vs_bare_flask']:.2f} in throughput ({eh['cpu_ratio_vs_bare_flask']:.2f} per server "
                         "CPU-second)", "", None))
        _chart(OUT / "eligibility.png", "Eligibility decisions per second (in-process)",
               ["our engine", "hand-written ifs", "zen-engine"],
               [el["engine"]["median"], el["handwritten"]["median"], el["zen"]["median"]], "decisions/s")
        charts.append("eligibility.png")
    http = results.get("http_load", {}).get("endpoints")
    if http:
        for name, r in http.items():
            fixed = r["fixed_rate"]
            target, met = ("p99 < 25 ms at 300 req/s", fixed["p99_ms"] < 25) if name == "eligibility" else ("", None)
            rows.append(_row(f"HTTP {name} at {r['rate']} req/s", f"p50 {fixed['p50_ms']} / p95 {fixed['p95_ms']} / "
                             f"p99 {fixed['p99_ms']} ms, max {r['max_throughput']['throughput']:,.0f} req/s", target, met))
        rows.append(_row("peak server memory under load", f"{results['http_load']['peak_rss_mb']} MB", "", None))
        _chart(OUT / "http_p99.png", "p99 latency at a fixed arrival rate", [f"{n} ({r['rate']}/s)" for n, r in http.items()],
               [r["fixed_rate"]["p99_ms"] for r in http.values()], "ms")
        charts.append("http_p99.png")
    bot = results.get("bot_turns")
    if bot and "error" not in bot:
        rows.append(_row("bot turns/s (whole conversations)", f"{bot['turns_per_second']:,.0f}", "", None))
        rows.append(_row("bot p95 turn latency", f"{bot['p95_ms']:.1f} ms", "< 50 ms", bot["p95_ms"] < 50))
    sms = results.get("sms")
    if sms and "error" not in sms:
        rows.append(_row("contacts import (100k rows)", f"{sms['import_rows_per_second']:,.0f} rows/s", "seconds, not minutes",
                         sms["import_seconds"] < 60))
        rows.append(_row("campaign preview over 1,000,000 contacts", f"{sms['preview_seconds']:.2f} s", "< 3 s",
                         sms["preview_seconds"] < 3))
        rows.append(_row("outbox freeze", f"{sms['freeze_seconds']:.2f} s for {sms['freeze_recipients']:,}", "", None))
        dispatch = f"{sms['dispatch_per_second']:,.0f} msg/s at a configured {sms['dispatch_rate']} msg/s"
        rows.append(_row("dispatch vs configured rate", dispatch, ">= 200 msg/s, rate-limited only",
                         sms["dispatch_per_second"] >= 0.9 * sms["dispatch_rate"]))
    safety = results.get("safety")
    if safety and "error" not in safety:
        for name, label in (("lexicon", "lexicon alone"), ("lexicon_and_classifier", "lexicon + classifier")):
            r = safety[name]
            rows.append(_row(f"risk check recall on the held-out set ({label}, {r['at_risk']} messages)",
                             f"{r['recall']:.1%}", "100%", r["recall"] >= 1.0))
            rows.append(_row(f"… false alarms ({label}, {r['not_at_risk']} messages): urgent / any level",
                             f"{r['urgent_false_alarm_rate']:.1%} / {r['any_false_alarm_rate']:.1%}", "<= 2% / <= 10%",
                             r["urgent_false_alarm_rate"] <= 0.02 and r["any_false_alarm_rate"] <= 0.10))
    scale = results.get("scale_out")
    if scale and "error" not in scale:
        for setup, figures in scale.get("setups", {}).items():
            for name, f in figures.items():
                rows.append(_row(f"{name.replace('_', ' ')}, {setup.replace('_', ' ')}",
                                 f"{f['per_second']:,.1f}/s, p99 {f['p99_ms']} ms, {f['errors']} errors", "no errors",
                                 f["errors"] == 0))
    failed = [name for name, r in results.items() if "error" in r]
    lines = [
        "# Benchmark report",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.machine()}, "
        f"Python {platform.python_version()}, {_cores()} cores. Figures from this run only; "
        "each benchmark's JSON is in bench/out/.",
        "",
        "## Summary",
        "",
        *rows,
        "",
    ]
    if failed:
        lines += [f"Benchmarks that failed to run: {', '.join(failed)}.", ""]
    lines += [f"![{c}](out/{c})" for c in charts]
    report = "\n".join(lines) + "\n"
    (HERE / "report.md").write_text(report)
    return report


def _cores() -> int:
    import os

    return os.cpu_count() or 0


def _saved() -> dict[str, dict]:
    return {name: json.loads((OUT / f"{name}.json").read_text()) for name in BENCHMARKS if (OUT / f"{name}.json").exists()}


def main() -> None:
    """`python -m bench.run_all [--quick] [--report-only]` (--report-only rewrites the report from bench/out/)."""
    OUT.mkdir(exist_ok=True)
    results = _saved() if "--report-only" in sys.argv else run_benchmarks("--quick" in sys.argv)
    print(write_report(results))


if __name__ == "__main__":
    main()
