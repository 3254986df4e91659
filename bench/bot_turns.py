"""Bot turns per second and turn latency: whole self-referral conversations through the REST channel.

    python -m bench.bot_turns [--quick]

Many synthetic people (senders) talk to the app in-process through Flask's test client, from the
greeting to a referral reference or another ending: IPS for severe mental illness in Sheffield,
the primary-care / Talking Therapies overlap, drug and alcohol treatment, no local service in
Cornwall, not eligible (signposting), and a crisis in the middle of the form followed by "carry on".
Every conversation is first checked to end where it should; then each POST to
/webhooks/rest/webhook is timed (the tracker reads that steer the answers are not). Baselines in
the same process: GET /healthz through the same client, and the NLU parse alone. Results also go
to bench/out/bot_turns.json.
"""

from __future__ import annotations

import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

from referral_service import create_app

OUT = Path(__file__).parent / "out"

# Answers by the fact the bot asks for: free text as people type it.
PERSONAS = {
    "ips_smi": {
        "goal": "hi there", "button": "I want to find a job",
        "answers": {"conditions": "i have schizophrenia", "age": "I'm 34", "drug_alcohol_treatment": "no",
                    "postcode": "s1 2ab", "right_to_work_uk": "yes", "other_dwp_employment_programme": "no",
                    "talking_therapies": "no", "in_secondary_mental_health_care": "yes"},
        "ends": "reference",
    },
    "overlap": {
        "goal": "hello", "button": "/want_find_work",
        "answers": {"conditions": "anxiety", "age": "41", "right_to_work_uk": "yeah", "drug_alcohol_treatment": "nope",
                    "other_dwp_employment_programme": "no", "talking_therapies": "yes im having it now",
                    "postcode": "S1 2AB"},
        "ends": "reference",
    },
    "drug_alcohol": {
        "goal": "hiya", "button": "need a job",
        "answers": {"conditions": "none of these", "drug_alcohol_treatment": "yes", "age": "45",
                    "right_to_work_uk": "yes", "postcode": "S1 2AB", "other_dwp_employment_programme": "no",
                    "talking_therapies": "no"},
        "ends": "key worker",  # no self-referral: the route is through the treatment team (ask your key worker)
    },
    "no_local_service": {
        "goal": "hi", "button": "i want a job",
        "answers": {"conditions": "bad back", "age": "50", "right_to_work_uk": "yes", "drug_alcohol_treatment": "no",
                    "other_dwp_employment_programme": "no", "postcode": "TR1 2AB", "talking_therapies": "no"},
        "ends": "0306 999 0123",
    },
    "not_eligible": {
        "goal": "hello", "button": "/want_find_work",
        "answers": {"conditions": "none", "drug_alcohol_treatment": "no", "age": "30", "right_to_work_uk": "yes",
                    "other_dwp_employment_programme": "no", "talking_therapies": "no"},
        "ends": "Jobcentre Plus",
    },
    "crisis_then_refer": {
        "goal": "hi", "button": "I want to find work",
        "answers": {"conditions": "bipolar", "age": "29", "drug_alcohol_treatment": "no", "postcode": "S10 2TN",
                    "right_to_work_uk": "yes", "other_dwp_employment_programme": "no", "talking_therapies": "no"},
        "interrupt": ["will it affect my benefits", "i cant go on anymore", "carry on"],
        "ends": "reference",
    },
}
REFERRAL_STEPS = {"chosen_pathway": "yes", "consent_share_with_service": "yes", "first_name": "Sam",
                  "consent_sms": "no thanks"}


class Conversation:
    """One synthetic person; ``run`` returns the webhook latencies (seconds) of its turns."""

    def __init__(self, client, sender: str, persona: dict, phone: str):
        self.client, self.sender, self.persona, self.phone = client, sender, persona, phone
        self.latencies: list[float] = []
        self.last_text = ""

    def say(self, message: str) -> None:
        started = time.perf_counter()
        response = self.client.post("/webhooks/rest/webhook", json={"sender": self.sender, "message": message})
        self.latencies.append(time.perf_counter() - started)
        assert response.status_code == 200, response.get_data(as_text=True)
        self.last_text = "\n".join(m["text"] for m in response.get_json())

    def requested(self) -> str | None:
        tracker = self.client.get(f"/conversations/{self.sender}/tracker?token=bench-token").get_json()
        return tracker["slots"]["requested_slot"]

    def run(self) -> list[float]:
        self.say(self.persona["goal"])
        self.say(self.persona["button"])
        interrupts = list(self.persona.get("interrupt", []))
        answers = {**self.persona["answers"], **REFERRAL_STEPS, "phone": self.phone}
        for _ in range(25):
            slot = self.requested()
            if slot is None or slot not in answers:
                break
            if interrupts and slot == "age":
                for message in interrupts:
                    self.say(message)
                interrupts = []
                continue
            self.say(answers[slot])
        return self.latencies


def make_app():
    logging.getLogger().setLevel(logging.WARNING)  # one INFO line per turn would swamp the figures
    for name in ("referral_service", "rasa_sdk"):
        logging.getLogger(name).setLevel(logging.WARNING)
    database = Path(tempfile.mkdtemp(prefix="bench-bot-")) / "bench.db"
    return create_app({"TESTING": True, "DATABASE_PATH": str(database), "BOT_AUTH_TOKEN": "bench-token",
                       "RATELIMIT_ENABLED": False, "PUBLIC_BASE_URL": "http://127.0.0.1:5000"})


def check(app) -> None:
    """Every persona ends where it should before anything is timed."""
    client = app.test_client()
    for i, (name, persona) in enumerate(PERSONAS.items()):
        conversation = Conversation(client, f"check-{name}", persona, f"07700 900{i:03d}")
        conversation.run()
        expected = persona["ends"]
        if expected == "reference":
            assert "reference number is" in conversation.last_text, (name, conversation.last_text)
        else:
            assert expected in conversation.last_text, (name, conversation.last_text)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def baseline(app, count: int) -> dict:
    """Per-request cost of the cheapest route through the same client, and of the NLU parse alone."""
    from bot.engine import default_assistant

    client = app.test_client()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        client.get("/healthz")
        times.append(time.perf_counter() - started)
    nlu = default_assistant().interpreter
    texts = ["i have schizophrenia", "I'm 34", "s1 2ab", "will it affect my benefits", "yes please", "no thanks"]
    parse = []
    for i in range(count):
        started = time.perf_counter()
        nlu.parse(texts[i % len(texts)])
        parse.append(time.perf_counter() - started)
    return {"healthz_p50_ms": statistics.median(times) * 1000, "nlu_parse_p50_ms": statistics.median(parse) * 1000}


def main() -> None:
    quick = "--quick" in sys.argv
    started = time.perf_counter()
    app = make_app()
    startup_s = time.perf_counter() - started
    check(app)
    rounds = 3 if quick else 12
    client = app.test_client()
    latencies: list[float] = []
    conversations = 0
    wall = time.perf_counter()
    for round_ in range(rounds):
        for i, (name, persona) in enumerate(PERSONAS.items()):
            number = round_ * len(PERSONAS) + i
            sender = f"bench-{round_}-{name}"
            latencies += Conversation(client, sender, persona, f"07700 900{(number % 900) + 100:03d}").run()
            conversations += 1
    wall = time.perf_counter() - wall
    turn_time = sum(latencies)
    results = {
        "conversations": conversations,
        "turns": len(latencies),
        "turns_per_second": len(latencies) / turn_time,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "max_ms": max(latencies) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000,
        "wall_s_including_tracker_reads": wall,
        "app_start_s": startup_s,
        "outcomes": sorted(PERSONAS),
        "baseline": baseline(app, 300 if quick else 1000),
    }
    results["p50_vs_healthz"] = results["p50_ms"] / results["baseline"]["healthz_p50_ms"]
    OUT.mkdir(exist_ok=True)
    (OUT / "bot_turns.json").write_text(json.dumps(results, indent=2))
    print(f"Bot turns through POST /webhooks/rest/webhook, in-process (Flask test client), {conversations} whole "
          f"conversations, {len(latencies)} turns, {len(PERSONAS)} endings:")
    print(f"  {results['turns_per_second']:,.0f} turns/s (one at a time)  p50 {results['p50_ms']:.1f} ms  "
          f"p95 {results['p95_ms']:.1f} ms  max {results['max_ms']:.1f} ms  mean {results['mean_ms']:.1f} ms")
    base = results["baseline"]
    print(f"  baselines: GET /healthz p50 {base['healthz_p50_ms']:.2f} ms, NLU parse alone p50 "
          f"{base['nlu_parse_p50_ms']:.2f} ms; turn p50 / healthz p50 = {results['p50_vs_healthz']:.0f}x")
    print(f"  app start (NLU trained, domain loaded): {startup_s:.2f} s")


if __name__ == "__main__":
    main()
