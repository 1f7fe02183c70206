"""Settings from ``[tool.corpus]`` in pyproject.toml, validated by pydantic.

An unknown key or a wrong value is a :class:`ConfigError` naming the key and
the file; the CLI turns it into exit code 2.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import json
import re
import tomllib
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.errors import ConfigError

_CODE = re.compile(r"^[A-Z]+[0-9]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TypeRule(_Strict):
    """Which doc type the files matching ``glob`` have (first match wins)."""

    glob: str
    type: str


class SectionRequirement(_Strict):
    """A section a doc type must have: a heading containing one of ``titles``
    whose section holds ``holds`` ("math" | "code" | "table").

    ``min_rows``/``min_columns`` apply to tables (data rows, not the header);
    ``languages``, when set, lists the fence languages that count as code
    (default: any programming language; see pipeline/rules/sections.py);
    ``exclude_titles`` are phrases that contain a title without meaning it
    (对比学习 is contrastive learning, not a comparison)."""

    name: str
    titles: list[str]
    exclude_titles: list[str] = Field(default_factory=list, alias="exclude-titles")
    holds: Literal["math", "code", "table"]
    min_rows: int = Field(default=2, ge=1)
    min_columns: int = Field(default=2, ge=1)
    languages: list[str] = Field(default_factory=list)


def _default_types() -> list[TypeRule]:
    return [TypeRule(glob="README.md", type="index"), TypeRule(glob="**/README.md", type="index"),
            TypeRule(glob="**/*.md", type="note")]


def _default_sections() -> dict[str, list[SectionRequirement]]:
    return {
        "note": [
            SectionRequirement(name="公式", titles=["公式", "Formula", "Equation"], holds="math"),
            SectionRequirement(name="代码", titles=["代码", "Code"], holds="code"),
            SectionRequirement(name="对比表", titles=["对比", "Comparison"], holds="table",
                               exclude_titles=["对比学习", "对比损失", "对比解码", "对比度"]),
        ]
    }


class LinkSettings(_Strict):
    """``[tool.corpus.links]``: how external links are checked (LNK014)."""

    online: bool = False  # also turned on by ``corpus check --online``
    timeout: float = Field(default=10.0, gt=0)
    concurrency: int = Field(default=8, ge=1, le=64)
    retries: int = Field(default=2, ge=0, le=10)
    cache_hours: float = Field(default=168.0, alias="cache-hours", ge=0)
    ignore_urls: list[str] = Field(default_factory=list, alias="ignore-urls")  # regexes, matched from the start

    @field_validator("ignore_urls")
    @classmethod
    def _regexes(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from None
        return value


class Settings(_Strict):
    root: str = "corpus"
    include: list[str] = Field(default_factory=lambda: ["**/*.md"])
    exclude: list[str] = Field(default_factory=list)
    select: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)
    severity: dict[str, Literal["error", "warning"]] = Field(default_factory=dict)
    per_file_ignores: dict[str, list[str]] = Field(default_factory=dict, alias="per-file-ignores")
    types: list[TypeRule] = Field(default_factory=_default_types)
    sections: dict[str, list[SectionRequirement]] = Field(default_factory=_default_sections)
    lang: str = "zh-cn"
    max_file_size: int = Field(default=10_000_000, alias="max-file-size", gt=0)
    follow_external_symlinks: bool = Field(default=False, alias="follow-external-symlinks")
    templates: str = "templates"
    index_templates: dict[str, str] = Field(default_factory=dict, alias="index-templates")
    links: LinkSettings = Field(default_factory=LinkSettings)

    @field_validator("select", "ignore")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if not _CODE.match(code):
                raise ValueError(f"{code!r} is not a rule code or prefix (e.g. LNK001, LNK, ENC)")
        return value


class Config:
    """Settings plus where they came from (the project directory)."""

    def __init__(self, settings: Settings, project_dir: Path, source: Path | None):
        self.settings = settings
        self.project_dir = project_dir
        self.source = source

    @cached_property
    def root(self) -> Path:
        return (self.project_dir / self.settings.root).resolve()

    @cached_property
    def fingerprint(self) -> str:
        data = json.dumps(self.settings.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(data.encode()).hexdigest()[:16]

    def doc_type(self, rel_path: str) -> str:
        for rule in self.settings.types:
            if glob_match(rel_path, rule.glob):
                return rule.type
        return "note"

    def is_included(self, rel_path: str) -> bool:
        s = self.settings
        if not any(glob_match(rel_path, g) for g in s.include):
            return False
        return not any(glob_match(rel_path, g) for g in s.exclude)

    def ignored_codes(self, rel_path: str) -> list[str]:
        out: list[str] = []
        for pattern, codes in self.settings.per_file_ignores.items():
            if glob_match(rel_path, pattern):
                out.extend(codes)
        return out


def glob_match(rel_path: str, pattern: str) -> bool:
    """``**/`` matches any number of folders, including none."""
    return _glob_regex(pattern)(rel_path) is not None


@functools.lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> Callable[[str], re.Match[str] | None]:
    # One compiled regex per pattern, its leading "**/" parts optional: a
    # large corpus asks this of every path several times per run.
    alternatives = [fnmatch.translate(pattern)]
    while pattern.startswith("**/"):
        pattern = pattern[3:]
        alternatives.append(fnmatch.translate(pattern))
    return re.compile("|".join(f"(?:{a})" for a in alternatives)).match


def find_pyproject(start: Path) -> Path | None:
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
                continue
            if "corpus" in data.get("tool", {}):
                return candidate
    return None


def load_config(path: Path | None = None, start: Path | None = None) -> Config:
    """Load ``[tool.corpus]`` from ``path`` or the nearest pyproject.toml that has it."""
    source = path if path is not None else find_pyproject(start or Path.cwd())
    if source is None:
        return Config(Settings(), (start or Path.cwd()).resolve(), None)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{source}: configuration file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: invalid TOML: {exc}") from None
    raw: Any = data.get("tool", {}).get("corpus", {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: [tool.corpus] must be a table")
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        if first["type"] == "extra_forbidden":
            message = f"unknown key {where!r}"
            suggestion = _suggest(str(first["loc"][-1]), _known_keys())
            if suggestion:
                message += f"; did you mean {suggestion!r}?"
        else:
            message = f"{where}: {first['msg']}"
        raise ConfigError(f"{source}: [tool.corpus] {message}") from None
    return Config(settings, source.parent.resolve(), source)


def _known_keys() -> list[str]:
    keys: list[str] = []
    for name, info in Settings.model_fields.items():
        keys.append(info.alias or name)
    return keys


def _suggest(word: str, options: list[str]) -> str | None:
    import difflib

    match = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return match[0] if match else None
