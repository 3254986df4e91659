"""Helpers for tests that change a copy of the rules files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from rules import RULES_DIR


class RulesCopy:
    """A temporary copy of rules/ whose YAML files a test can edit."""

    def __init__(self, root: Path):
        self.root = root
        shutil.copytree(RULES_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))

    def read(self, relative: str):
        return yaml.safe_load((self.root / relative).read_text(encoding="utf-8"))

    def write(self, relative: str, data) -> None:
        (self.root / relative).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    def edit(self, relative: str, change) -> None:
        data = self.read(relative)
        change(data)
        self.write(relative, data)


@pytest.fixture
def rules_copy(tmp_path) -> RulesCopy:
    return RulesCopy(tmp_path / "rules")
