"""``python -m bot.safety``: train the risk classifier now if the cache has none for the current data."""

from .classifier import main

main()
