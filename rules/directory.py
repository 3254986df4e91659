"""The local service directory (rules/services/*.yaml): who runs which pathway where."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import RulesError
from .postcodes import Postcode, is_valid_prefix, matches_prefix
from .strict import expect_keys, expect_type
from .yaml_files import read_yaml


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    provider: str
    pathway: str
    area: str
    covers: tuple[str, ...]
    phone: str
    website: str
    accepts_self_referral: bool
    sample_data: bool
    email: str | None = None

    def covers_postcode(self, postcode: Postcode) -> bool:
        return any(matches_prefix(postcode, prefix) for prefix in self.covers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "provider": self.provider,
            "phone": self.phone,
            "website": self.website,
            "accepts_self_referral": self.accepts_self_referral,
            "area": self.area,
            "sample_data": self.sample_data,
        }


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    ics: str
    postcode_prefixes: tuple[str, ...]
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    sample_data: bool = False

    def covers_postcode(self, postcode: Postcode) -> bool:
        return any(matches_prefix(postcode, prefix) for prefix in self.postcode_prefixes)


@dataclass(frozen=True)
class Directory:
    areas: tuple[Area, ...]
    services: tuple[Service, ...]
    # Indexes by normalised prefix (an area like "S" or a district like "SW1A"), built once.
    _services_by_prefix: dict[str, list[Service]] = field(init=False, repr=False, compare=False)
    _areas_by_prefix: dict[str, list[Area]] = field(init=False, repr=False, compare=False)
    _by_id: dict[str, Service] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        services: dict[str, list[Service]] = {}
        for service in self.services:
            for prefix in service.covers:
                services.setdefault(prefix, []).append(service)
        areas: dict[str, list[Area]] = {}
        for area in self.areas:
            for prefix in area.postcode_prefixes:
                areas.setdefault(prefix, []).append(area)
        object.__setattr__(self, "_services_by_prefix", services)
        object.__setattr__(self, "_areas_by_prefix", areas)
        object.__setattr__(self, "_by_id", {s.id: s for s in self.services})

    def service(self, service_id: str) -> Service | None:
        return self._by_id.get(service_id)

    def services_for(self, pathway: str, postcode: Postcode) -> list[Service]:
        """Services for a pathway covering the postcode (by its area or district), in directory order."""
        found = {s.id for s in self._services_by_prefix.get(postcode.district, ())}
        found.update(s.id for s in self._services_by_prefix.get(postcode.area, ()))
        return [s for s in self.services if s.pathway == pathway and s.id in found]

    def areas_for(self, postcode: Postcode) -> list[Area]:
        found = {a.id for a in self._areas_by_prefix.get(postcode.district, ())}
        found.update(a.id for a in self._areas_by_prefix.get(postcode.area, ()))
        return [a for a in self.areas if a.id in found]


SERVICE_KEYS = {"id", "name", "provider", "pathway", "phone", "website", "accepts_self_referral"}


def load_directory(
    paths: Iterable[Path], pathway_settings: Mapping[str, Mapping[str, Any]]
) -> Directory:
    """Load every area file strictly. ``pathway_settings`` maps pathway id → its default settings."""
    areas: list[Area] = []
    services: list[Service] = []
    seen: set[str] = set()
    for path in paths:
        where = f"services/{path.name}"
        data = read_yaml(path)
        expect_keys(
            data,
            where,
            "",
            required={"id", "name", "postcode_prefixes", "services"},
            optional={"ics", "settings", "sample_data"},
        )
        prefixes = _prefixes(data["postcode_prefixes"], where, "postcode_prefixes")
        settings = _area_settings(data.get("settings") or {}, pathway_settings, where)
        sample = bool(data.get("sample_data", False))
        areas.append(Area(data["id"], data["name"], data.get("ics", ""), prefixes, settings, sample))
        for index, spec in enumerate(expect_type(data["services"], list, where, "services")):
            key = f"services[{index}]"
            expect_keys(spec, where, key, required=SERVICE_KEYS, optional={"covers", "email"})
            if spec["id"] in seen:
                raise RulesError(where, f"{key}.id", f"duplicate service id {spec['id']!r}")
            seen.add(spec["id"])
            if spec["pathway"] not in pathway_settings:
                raise RulesError(where, f"{key}.pathway", f"unknown pathway {spec['pathway']!r}")
            if not isinstance(spec["accepts_self_referral"], bool):
                raise RulesError(where, f"{key}.accepts_self_referral", "must be true or false")
            covers = _prefixes(spec.get("covers", list(prefixes)), where, f"{key}.covers")
            services.append(
                Service(
                    id=spec["id"],
                    name=spec["name"],
                    provider=spec["provider"],
                    pathway=spec["pathway"],
                    area=data["id"],
                    covers=covers,
                    phone=str(spec["phone"]),
                    website=spec["website"],
                    accepts_self_referral=spec["accepts_self_referral"],
                    sample_data=sample,
                    email=spec.get("email"),
                )
            )
    return Directory(tuple(areas), tuple(services))


def _prefixes(raw: Any, where: str, key: str) -> tuple[str, ...]:
    expect_type(raw, list, where, key)
    for index, prefix in enumerate(raw):
        if not isinstance(prefix, str) or not is_valid_prefix(prefix):
            raise RulesError(where, f"{key}[{index}]", f"{prefix!r} is not a postcode area or district")
    return tuple(p.replace(" ", "").upper() for p in raw)


def _area_settings(
    raw: Any, pathway_settings: Mapping[str, Mapping[str, Any]], where: str
) -> dict[str, dict[str, Any]]:
    expect_type(raw, dict, where, "settings")
    result: dict[str, dict[str, Any]] = {}
    for pathway, overrides in raw.items():
        if pathway not in pathway_settings:
            raise RulesError(where, f"settings.{pathway}", "unknown pathway")
        expect_type(overrides, dict, where, f"settings.{pathway}")
        for name, value in overrides.items():
            defaults = pathway_settings[pathway]
            if name not in defaults:
                raise RulesError(where, f"settings.{pathway}.{name}", "unknown setting")
            if type(value) is not type(defaults[name]):
                raise RulesError(
                    where,
                    f"settings.{pathway}.{name}",
                    f"expected {type(defaults[name]).__name__}, found {type(value).__name__}",
                )
        result[pathway] = dict(overrides)
    return result
