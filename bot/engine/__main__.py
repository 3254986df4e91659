"""``python -m bot.engine``: train the NLU model into its on-disk cache if the cache has none for the
current examples (``make`` runs it, so the first start does not train)."""

from .nlu import main

main()
