"""Helpers for talking to the bot through the REST channel, as the web chat does."""

from __future__ import annotations

import pytest


class Chat:
    """One person chatting: sends messages as ``sender`` and keeps the bot's last replies."""

    def __init__(self, client, sender: str, metadata: dict | None = None):
        self.client = client
        self.sender = sender
        self.metadata = metadata
        self.replies: list[dict] = []

    def say(self, message: str) -> list[dict]:
        body = {"sender": self.sender, "message": message}
        if self.metadata:
            body["metadata"] = self.metadata
        response = self.client.post("/webhooks/rest/webhook", json=body)
        assert response.status_code == 200, response.get_json()
        self.replies = response.get_json()
        return self.replies

    @property
    def text(self) -> str:
        return "\n".join(m["text"] for m in self.replies)

    @property
    def buttons(self) -> list[dict]:
        return [b for m in self.replies for b in m.get("buttons", [])]

    def press(self, title_part: str) -> list[dict]:
        """Press the quick-reply button whose title contains ``title_part`` (sends its payload)."""
        button = next(b for b in self.buttons if title_part.lower() in b["title"].lower())
        return self.say(button["payload"])

    def tracker(self) -> dict:
        response = self.client.get(f"/conversations/{self.sender}/tracker?token=test-bot-token")
        assert response.status_code == 200
        return response.get_json()

    @property
    def slots(self) -> dict:
        return self.tracker()["slots"]


@pytest.fixture
def chat(client):
    def start(sender: str = "person-1", metadata: dict | None = None) -> Chat:
        return Chat(client, sender, metadata)

    return start
