"""The hazard log (docs/clinical-safety.md) names the test that proves each control: every named test
must exist, so a control cannot point at a test that was renamed, moved or never written."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "docs" / "clinical-safety.md"
NAMED = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
HAZARDS = ("A crisis is missed", "False reassurance", "Wrongly told not eligible", "Rules mis-edited",
           "Stale service directory", "Referred to the wrong service", "Consent recorded wrongly",
           "A text to someone who withdrew", "Personal data exposed")


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def test_every_test_the_hazard_log_names_exists():
    text = LOG.read_text(encoding="utf-8")
    named = NAMED.findall(text)
    assert len(named) >= 30
    missing = [f"{path}::{name}" for path, name in named
               if not (ROOT / path).exists() or name not in _test_names(ROOT / path)]
    assert missing == []
    assert "being written" not in text.lower()


def test_every_hazard_has_controls_proved_by_tests_and_a_rating():
    text = LOG.read_text(encoding="utf-8")
    sections = re.split(r"\n## H\d+ — ", text)[1:]
    titles = [s.splitlines()[0].strip() for s in sections]
    assert titles == list(HAZARDS)
    for title, section in zip(titles, sections, strict=True):
        for part in ("**Hazard**", "**Causes**", "**Effect**", "**Controls**", "**Residual risk**", "**Rating**"):
            assert part in section, (title, part)
        assert NAMED.search(section), title
