"""Errors raised while loading rules files."""


class RulesError(ValueError):
    """A rules or directory file is invalid. The message names the file and the key."""

    def __init__(self, file: str, key: str, problem: str):
        self.file = file
        self.key = key
        self.problem = problem
        super().__init__(f"{file}: {key}: {problem}")
