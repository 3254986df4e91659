"""Reading the rules' YAML files: with libyaml's C parser when PyYAML was built with it (about 15 times
faster, which is most of the service's start-up), else PyYAML's own parser. Both are safe loaders:
plain data only, never objects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """The data in a YAML file (UTF-8)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
