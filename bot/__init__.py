"""The self-referral assistant: a Rasa project (domain.yml, data/, config.yml), rasa-sdk actions
(bot.actions), the risk check that runs before anything else (bot.safety) and the embedded
Rasa-compatible engine that drives the actions inside the Flask app (bot.engine).

``bot`` imports ``rules``; it reaches the referral service only through ``bot.client``.
"""

from pathlib import Path

BOT_DIR = Path(__file__).resolve().parent
