"""Citations: every explanation names its source document by title and section, never by file."""

from __future__ import annotations

from collections.abc import Mapping

from .errors import RulesError


def render_source(text: str, sources: Mapping[str, str], file: str, key: str) -> str:
    """Turn ``"nhse_2023 Appendix 1; Appendix 3; cfmh_2022 principle 2"`` into titled citations.

    Each ``;``-separated part either starts with a source key from ruleset.yaml (a new document)
    or continues the previous document.
    """
    if not isinstance(text, str) or not text.strip():
        raise RulesError(file, key, "every rule needs a source")
    groups: list[tuple[str, list[str]]] = []
    for part in (p.strip() for p in text.split(";")):
        head, _, rest = part.partition(" ")
        if head in sources:
            groups.append((sources[head], [rest.strip()] if rest.strip() else []))
        elif groups:
            groups[-1][1].append(part)
        else:
            raise RulesError(
                file, key, f"source must start with a document key ({', '.join(sorted(sources))}), found {head!r}"
            )
    return "; ".join(f"{title}, {', '.join(sections)}" if sections else title for title, sections in groups)
