"""Load and validate every rules file once: facts, pathways, signposting and the service directory.

Loading is strict. An unknown fact, operator, setting, key or value is a RulesError naming the file
and key: a mistyped cell must never silently become "no match". Zero exclusion is checked here, so a
rules file that would rule someone out of IPS because of, say, a criminal record never loads.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .directory import Directory, load_directory
from .errors import RulesError
from .expressions import AllOf, AnyOf, FactTest, compile_condition
from .sources import render_source
from .strict import expect_clinician_wording, expect_keys, expect_type
from .vocabulary import Vocabulary, load_vocabulary
from .yaml_files import read_yaml

RULES_DIR = Path(__file__).parent
OUTCOMES = ("met", "not_met", "unknown")
Condition = FactTest | AllOf | AnyOf


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    test: Condition
    explain: dict[str, str]
    source: str
    applies_if: tuple[str, Any] | None = None
    # The same outcomes worded for a clinician about their patient (/check): never "you"/"your".
    explain_clinician: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NonExcludingNote:
    fact: str
    explanation: str
    source: str


@dataclass(frozen=True)
class Pathway:
    id: str
    name: str
    short_name: str
    order: int
    summary: str
    access_route: str
    access_route_source: str
    length: str
    availability: str
    zero_exclusion: bool
    never_excludes: frozenset[str]
    settings: dict[str, Any]
    criteria: tuple[Criterion, ...]
    does_not_exclude: tuple[NonExcludingNote, ...]
    # The guidance expects this pathway's services to take self-referrals (a service that does not is a warning).
    self_referral_expected: bool = False
    # The summary and the access route worded for a clinician about their patient (/check).
    summary_clinician: str = ""
    access_route_clinician: str = ""


@dataclass(frozen=True)
class Signpost:
    id: str
    name: str
    description: str
    website: str
    phone: str | None
    when: Condition
    source: str

    def to_dict(self) -> dict[str, Any]:
        data = {"id": self.id, "name": self.name, "description": self.description, "website": self.website}
        if self.phone:
            data["phone"] = self.phone
        data["source"] = self.source
        return data


@dataclass(frozen=True)
class Ruleset:
    version: str
    content_hash: str
    vocabulary: Vocabulary
    pathways: tuple[Pathway, ...]
    signposts: tuple[Signpost, ...]
    directory: Directory
    # Problems that do not stop the rules loading but that whoever maintains them must see (logged at start).
    warnings: tuple[str, ...] = ()

    def pathway(self, pathway_id: str) -> Pathway | None:
        return next((p for p in self.pathways if p.id == pathway_id), None)

    @property
    def pathway_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.pathways)


def load_ruleset(rules_dir: Path | str = RULES_DIR) -> Ruleset:
    """Load every file under ``rules_dir``; raise RulesError on the first problem found."""
    rules_dir = Path(rules_dir)
    meta = read_yaml(rules_dir / "ruleset.yaml")
    expect_keys(meta, "ruleset.yaml", "", required={"version", "sources"})
    sources = expect_type(meta["sources"], dict, "ruleset.yaml", "sources")
    vocabulary = load_vocabulary(rules_dir / "facts.yaml")

    pathway_files = sorted((rules_dir / "pathways").glob("*.yaml"))
    if not pathway_files:
        raise RulesError("pathways/", "", "no pathway files found")
    pathways = sorted(
        (_load_pathway(path, vocabulary, sources) for path in pathway_files), key=lambda p: (p.order, p.id)
    )
    ids = [p.id for p in pathways]
    if len(set(ids)) != len(ids):
        raise RulesError("pathways/", "id", f"duplicate pathway ids in {ids}")
    signposts = _load_signposts(rules_dir / "signposting.yaml", vocabulary, sources)
    directory = load_directory(
        sorted((rules_dir / "services").glob("*.yaml")), {p.id: p.settings for p in pathways}
    )
    return Ruleset(
        version=str(meta["version"]),
        content_hash=_content_hash(rules_dir),
        vocabulary=vocabulary,
        pathways=tuple(pathways),
        signposts=signposts,
        directory=directory,
        warnings=_directory_warnings(pathways, directory),
    )


def _directory_warnings(pathways: list[Pathway], directory: Directory) -> tuple[str, ...]:
    """Services that take no self-referrals on a pathway whose services should (a warning, not an error).

    IPS-for-SMI services "should promote the option to self-refer" (NHS England 2023, 'Integrating IPS and
    maximising referrals'). The service still loads: a person who finds only such a service is told its
    access route and phone number (rules.referral_route).
    """
    expected = {p.id: p for p in pathways if p.self_referral_expected}
    return tuple(
        f"services/{service.area}: {service.id}: takes no self-referrals, but {expected[service.pathway].name} "
        "services are expected to (people who find only this service are told to call it)"
        for service in directory.services
        if service.pathway in expected and not service.accepts_self_referral
    )


def _content_hash(rules_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(rules_dir.rglob("*.yaml")):
        digest.update(path.relative_to(rules_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return "sha256:" + digest.hexdigest()[:16]


PATHWAY_KEYS = {
    "id", "name", "short_name", "order", "summary", "access_route", "access_route_source", "length",
    "availability", "zero_exclusion", "never_excludes", "settings", "criteria", "does_not_exclude",
    "summary_clinician", "access_route_clinician",
}
OPTIONAL_PATHWAY_KEYS = {"does_not_exclude", "settings", "self_referral_expected"}


def _load_pathway(path: Path, vocabulary: Vocabulary, sources: dict[str, str]) -> Pathway:
    where = f"pathways/{path.name}"
    data = read_yaml(path)
    expect_keys(data, where, "", required=PATHWAY_KEYS - OPTIONAL_PATHWAY_KEYS, optional=OPTIONAL_PATHWAY_KEYS)
    self_referral_expected = expect_type(data.get("self_referral_expected", False), bool, where, "self_referral_expected")
    settings = dict(expect_type(data.get("settings") or {}, dict, where, "settings"))
    for name, value in settings.items():
        expect_type(value, (bool, int, str), where, f"settings.{name}")

    never_excludes = {f.name for f in vocabulary.facts.values() if f.never_excludes}
    for index, name in enumerate(expect_type(data["never_excludes"], list, where, "never_excludes")):
        if name not in vocabulary:
            raise RulesError(where, f"never_excludes[{index}]", f"unknown fact {name!r}")
        never_excludes.add(name)

    criteria = []
    seen: set[str] = set()
    for index, spec in enumerate(expect_type(data["criteria"], list, where, "criteria")):
        key = f"criteria[{index}]"
        expect_keys(spec, where, key, required={"id", "title", "test", "explain", "explain_clinician", "source"},
                    optional={"applies_if"})
        if spec["id"] in seen:
            raise RulesError(where, f"{key}.id", f"duplicate criterion id {spec['id']!r}")
        seen.add(spec["id"])
        test = compile_condition(spec["test"], vocabulary, settings, where, f"{key}.test")
        banned = sorted(test.facts & never_excludes)
        if banned:
            raise RulesError(
                where,
                f"{key}.test",
                f"criterion {spec['id']!r} uses {', '.join(banned)}, which must never exclude anyone "
                f"from {data['id']} (zero exclusion). Record it under does_not_exclude instead.",
            )
        explain = expect_keys(spec["explain"], where, f"{key}.explain", required=set(OUTCOMES))
        for outcome in OUTCOMES:
            _check_template(explain[outcome], settings, where, f"{key}.explain.{outcome}")
        clinician = expect_keys(spec["explain_clinician"], where, f"{key}.explain_clinician", required=set(OUTCOMES))
        for outcome in OUTCOMES:
            _check_template(clinician[outcome], settings, where, f"{key}.explain_clinician.{outcome}")
            expect_clinician_wording(clinician[outcome], where, f"{key}.explain_clinician.{outcome}")
        criteria.append(
            Criterion(
                id=spec["id"],
                title=spec["title"],
                test=test,
                explain=dict(explain),
                explain_clinician=dict(clinician),
                source=render_source(spec["source"], sources, where, f"{key}.source"),
                applies_if=_applies_if(spec.get("applies_if"), settings, where, f"{key}.applies_if"),
            )
        )
    if not criteria:
        raise RulesError(where, "criteria", "a pathway needs at least one criterion")

    notes = []
    for index, spec in enumerate(expect_type(data.get("does_not_exclude") or [], list, where, "does_not_exclude")):
        key = f"does_not_exclude[{index}]"
        expect_keys(spec, where, key, required={"fact", "explanation", "source"})
        if spec["fact"] not in vocabulary:
            raise RulesError(where, f"{key}.fact", f"unknown fact {spec['fact']!r}")
        # One wording for everyone (the person and /check's clinician), so it speaks about the person.
        expect_clinician_wording(spec["explanation"], where, f"{key}.explanation")
        notes.append(
            NonExcludingNote(spec["fact"], spec["explanation"], render_source(spec["source"], sources, where, key))
        )

    return Pathway(
        id=data["id"],
        name=data["name"],
        short_name=data["short_name"],
        order=int(data["order"]),
        summary=" ".join(str(data["summary"]).split()),
        access_route=" ".join(str(data["access_route"]).split()),
        access_route_source=render_source(data["access_route_source"], sources, where, "access_route_source"),
        length=data["length"],
        availability=" ".join(str(data["availability"]).split()),
        zero_exclusion=bool(data["zero_exclusion"]),
        never_excludes=frozenset(never_excludes),
        settings=settings,
        criteria=tuple(criteria),
        does_not_exclude=tuple(notes),
        self_referral_expected=self_referral_expected,
        summary_clinician=" ".join(expect_clinician_wording(data["summary_clinician"], where, "summary_clinician").split()),
        access_route_clinician=" ".join(
            expect_clinician_wording(data["access_route_clinician"], where, "access_route_clinician").split()),
    )


def _applies_if(raw: Any, settings: dict[str, Any], where: str, key: str) -> tuple[str, Any] | None:
    if raw is None:
        return None
    expect_keys(raw, where, key, required={"setting"}, optional={"is"})
    name = raw["setting"]
    if name not in settings:
        raise RulesError(where, f"{key}.setting", f"unknown setting {name!r}")
    expected = raw.get("is", True)
    if type(expected) is not type(settings[name]):
        raise RulesError(where, f"{key}.is", f"must be a {type(settings[name]).__name__}")
    return name, expected


def _check_template(text: Any, settings: dict[str, Any], where: str, key: str) -> None:
    if not isinstance(text, str) or not text.strip():
        raise RulesError(where, key, "explanation must be non-empty text")
    try:
        text.format(**settings)
    except (KeyError, IndexError, ValueError) as error:
        raise RulesError(where, key, f"explanation names an unknown setting: {error}") from None


def _load_signposts(path: Path, vocabulary: Vocabulary, sources: dict[str, str]) -> tuple[Signpost, ...]:
    where = path.name
    data = read_yaml(path)
    expect_keys(data, where, "", required={"signposts"})
    signposts = []
    for index, spec in enumerate(expect_type(data["signposts"], list, where, "signposts")):
        key = f"signposts[{index}]"
        expect_keys(spec, where, key, required={"id", "name", "description", "website", "when", "source"},
                    optional={"phone"})
        signposts.append(
            Signpost(
                id=spec["id"],
                name=spec["name"],
                description=" ".join(str(spec["description"]).split()),
                website=spec["website"],
                phone=str(spec["phone"]) if spec.get("phone") else None,
                when=compile_condition(spec["when"], vocabulary, {}, where, f"{key}.when"),
                source=render_source(spec["source"], sources, where, f"{key}.source"),
            )
        )
    return tuple(signposts)
