"""The embedded Rasa-compatible engine: NLU trained at start, a dialogue manager that runs the forms,
and the same rasa-sdk actions called through rasa-sdk's own executor with Rasa-format payloads."""

from .dialogue import Assistant, default_assistant

__all__ = ["Assistant", "default_assistant"]
