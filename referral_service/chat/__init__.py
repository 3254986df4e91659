"""The bot's HTTP face: the Rasa REST channel, the tracker, the web chat page and the no-JS form."""
