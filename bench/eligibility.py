"""Eligibility decisions per second: our engine beside a hand-written baseline and GoRules' zen-engine,
in-process, then over HTTP beside an empty JSON endpoint of the same server.

    python -m bench.eligibility [--quick]

All three engines first run the same generated people and must agree on every status; then they are
timed in turn, round after round, on the same inputs (median and min–max of the rounds are printed;
ratios are taken within each round and their median reported). Results also go to bench/out/eligibility.json.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path

from bench import handwritten
from bench.server import gunicorn, load, workers_cpu_seconds
from rules import Engine, default_engine, load_ruleset

OUT = Path(__file__).parent / "out"
CONDITIONS = ["psychosis", "bipolar", "personality_disorder", "eating_disorder", "severe_depression", "mh_rehabilitation",
              "complex_mental_health", "anxiety", "depression", "physical_health", "none"]
POSTCODES = ["S1 2AB", "B1 1AA", "TR1 1AA", "NW1 2DB", "LS1 4AP", "DN1 1AA", "SW1A 1AA", "CV1 2AB"]


def people(count: int, seed: int = 7) -> list[dict]:
    """Varied synthetic people: each fact present with probability 0.7."""
    rng = random.Random(seed)
    makers = {
        "age": lambda: rng.randint(14, 75),
        "postcode": lambda: rng.choice(POSTCODES),
        "right_to_work_uk": lambda: rng.random() < 0.9,
        "wants_paid_work": lambda: rng.random() < 0.85,
        "employment_status": lambda: rng.choice(["out_of_work", "in_work", "in_work_off_sick"]),
        "conditions": lambda: rng.sample(CONDITIONS, rng.randint(1, 2)),
        "in_secondary_mental_health_care": lambda: rng.random() < 0.4,
        "drug_alcohol_treatment": lambda: rng.random() < 0.2,
        "substance_use": lambda: rng.random() < 0.3,
        "talking_therapies": lambda: rng.choice(["none", "waiting", "in_treatment", "recently_discharged"]),
        "other_dwp_employment_programme": lambda: rng.random() < 0.1,
        "criminal_record": lambda: rng.random() < 0.1,
    }
    return [{k: make() for k, make in makers.items() if rng.random() < 0.7} for _ in range(count)]


def rate(function, inputs: list, rounds: int) -> dict:
    per_round = []
    for _ in range(rounds):
        start = time.perf_counter()
        for facts in inputs:
            function(facts)
        per_round.append(len(inputs) / (time.perf_counter() - start))
    return {"median": statistics.median(per_round), "min": min(per_round), "max": max(per_round)}


def in_process(quick: bool) -> dict:
    import zen

    from bench.zen_table import build_jdm

    engine = default_engine()
    inputs = people(500 if quick else 2000)
    clean_inputs = [engine.clean(p) for p in inputs]
    decision = zen.ZenEngine().create_decision(json.dumps(build_jdm(engine.ruleset)))
    ids = engine.ruleset.pathway_ids

    # Same rules, same answers: check before timing.
    for facts, clean in zip(inputs, clean_inputs, strict=True):
        ours = {p["id"]: p["status"] for p in engine.evaluate(facts)["pathways"]}
        hand = {p["id"]: p["status"] for p in handwritten.evaluate(clean)["pathways"]}
        theirs = decision.evaluate({k: list(v) if isinstance(v, tuple) else v for k, v in clean.items()})["result"]
        assert ours == hand == {i: theirs[i]["status"] for i in ids}, (facts, ours, hand, theirs)

    zen_inputs = [{k: list(v) if isinstance(v, tuple) else v for k, v in c.items()} for c in clean_inputs]
    rounds = 5 if quick else 9
    zen_sample = zen_inputs[: max(200, len(zen_inputs) // 4)]
    # The engines in turn within each round (cold, warm, hand-written, zen), so that a change in the machine's
    # speed hits them alike; ratios are taken round by round and their median reported. "Cold" is a fresh
    # engine's first pass (rules loaded and compiled, nothing looked up yet), a new engine each round.
    per_round: dict[str, list[float]] = {"engine_cold": [], "engine": [], "handwritten": [], "zen": []}
    for _ in range(rounds):
        fresh = Engine(load_ruleset())
        per_round["engine_cold"].append(rate(fresh.evaluate, inputs, 1)["median"])
        per_round["engine"].append(rate(engine.evaluate, inputs, 1)["median"])
        per_round["handwritten"].append(rate(handwritten.evaluate, clean_inputs, 1)["median"])
        per_round["zen"].append(rate(decision.evaluate, zen_sample, 1)["median"])
    results = {name: {"median": statistics.median(r), "min": min(r), "max": max(r)} for name, r in per_round.items()}
    results["inputs"] = len(inputs)
    results["rounds"] = rounds

    def paired(top: str, bottom: str) -> float:
        return statistics.median(t / b for t, b in zip(per_round[top], per_round[bottom], strict=True))

    results["vs_zen"] = paired("engine", "zen")
    results["vs_handwritten"] = paired("handwritten", "engine")
    results["vs_handwritten_cold"] = paired("handwritten", "engine_cold")
    return results


# The rate limiter on, as in production, but with limits no benchmark reaches: its cost is measured, not its refusals.
LIMITER_ON_NOT_LIMITING = {"RATELIMIT_ENABLED": "true", "RATELIMIT_ELIGIBILITY": "100000000 per minute",
                           "RATELIMIT_PAGES": "100000000 per minute"}
HTTP_ENDPOINTS = [("plain_json", "/bench/json"), ("eligibility", "/api/v1/eligibility"), ("bare_flask", "/bare/json")]


def over_http(quick: bool) -> dict:
    """gunicorn, 2 workers x 4 threads, 16 keep-alive connections; the endpoints in turn, several rounds.

    The baseline is a plain Flask endpoint of the same app parsing the same JSON body (same server, same hooks:
    limiter, headers); a bare Flask app mounted in the same server is shown too (bench/wsgi.py). Ratios are
    taken round by round (each round runs all of them, back to back) and their median reported. Beside
    throughput, the server's CPU time per request (its workers' user + system time over the round) is
    reported: on a shared machine it is steadier than throughput, which other processes' load moves.
    """
    body = json.dumps({"conditions": ["psychosis"], "wants_paid_work": True, "age": 34, "postcode": "S1 2AB"})
    requests, rounds, connections = (600, 5, 16) if quick else (1500, 9, 16)
    per_round: dict[str, list[dict]] = {name: [] for name, _ in HTTP_ENDPOINTS}
    with gunicorn(workers=2, threads=4, env=LIMITER_ON_NOT_LIMITING) as (url, server):
        for _name, path in HTTP_ENDPOINTS:
            load(url + path, body, 400, connections)  # warm-up: imports, caches and connections, not measured
        for _ in range(rounds):
            for name, path in HTTP_ENDPOINTS:
                cpu = workers_cpu_seconds(server.pid)
                figures = load(url + path, body, requests, connections)
                figures["server_cpu_ms_per_request"] = (workers_cpu_seconds(server.pid) - cpu) * 1000 / figures["requests"]
                per_round[name].append(figures)
    results: dict = {"connections": connections, "rounds": rounds, "requests_per_round": requests}
    for name, figures in per_round.items():
        results[name] = {key: statistics.median(f[key] for f in figures)
                         for key in ("throughput", "p50_ms", "p95_ms", "p99_ms", "server_cpu_ms_per_request")}
        results[name]["errors"] = sum(f["errors"] for f in figures)
    for baseline in ("plain_json", "bare_flask"):
        pairs = list(zip(per_round["eligibility"], per_round[baseline], strict=True))
        ratios = [e["throughput"] / b["throughput"] for e, b in pairs]
        results[f"ratio_vs_{baseline}"] = statistics.median(ratios)
        results[f"ratio_vs_{baseline}_rounds"] = [round(r, 3) for r in ratios]
        # The same ratio from CPU cost: requests per CPU-second of the server.
        results[f"cpu_ratio_vs_{baseline}"] = statistics.median(
            b["server_cpu_ms_per_request"] / e["server_cpu_ms_per_request"] for e, b in pairs)
    return results


def main() -> None:
    quick = "--quick" in sys.argv
    results = {"in_process": in_process(quick), "http": over_http(quick)}
    OUT.mkdir(exist_ok=True)
    (OUT / "eligibility.json").write_text(json.dumps(results, indent=2))
    ip = results["in_process"]
    print(f"In-process, {ip['inputs']} varied people, all four pathways with explanations (decisions/s, median [min–max]):")
    for name in ("engine_cold", "engine", "handwritten", "zen"):
        r = ip[name]
        print(f"  {name:<12} {r['median']:>10,.0f}  [{r['min']:,.0f}–{r['max']:,.0f}]")
    print(f"  engine / zen-engine      = {ip['vs_zen']:.1f}x faster")
    print(f"  hand-written / engine    = {ip['vs_handwritten']:.2f}x warm, {ip['vs_handwritten_cold']:.2f}x cold "
          "(how far we are from plain if-statements)")
    http = results["http"]
    print(f"HTTP (gunicorn 2 workers x 4 threads on 127.0.0.1, {http['connections']} keep-alive connections from a separate "
          f"process, rate limiter on but not limiting; median of {http['rounds']} rounds):")
    for name, _ in HTTP_ENDPOINTS:
        r = http[name]
        print(f"  {name:<12} {r['throughput']:>8,.0f} req/s  p50 {r['p50_ms']} ms  p95 {r['p95_ms']} ms  p99 {r['p99_ms']} ms"
              f"  server CPU {r['server_cpu_ms_per_request']:.2f} ms/request  errors {r['errors']}")
    for baseline, label in (("plain_json", "a plain Flask endpoint of the app parsing the same JSON"),
                            ("bare_flask", "a bare Flask app in the same server parsing the same JSON")):
        print(f"  eligibility / {label} = {http[f'ratio_vs_{baseline}']:.2f} in throughput "
              f"(rounds: {', '.join(f'{r:.2f}' for r in http[f'ratio_vs_{baseline}_rounds'])}), "
              f"{http[f'cpu_ratio_vs_{baseline}']:.2f} in requests per server CPU-second")


if __name__ == "__main__":
    main()
