"""Settings from ``[tool.corpus]`` in pyproject.toml, validated by pydantic.

The settings are plain frozen dataclasses; pydantic validates the TOML table
into them, and is imported only when a table has not been validated before:
the result is remembered in ``.corpus_cache/`` under the table's hash, so a
pre-commit run on one note does not pay pydantic's ~0.1 s import.

An unknown key or a wrong value is a :class:`ConfigError` naming the key and
the file; the CLI turns it into exit code 2.  Keys are written with hyphens
(``max-file-size``); the underscore spelling is accepted too.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import hashlib
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pipeline.errors import ConfigError

if TYPE_CHECKING:
    # The constraints in the annotations below (annotated-types is what
    # pydantic reads). The annotations stay strings until validate() resolves
    # them, so a run that finds its settings memoised imports neither.
    from annotated_types import Ge, Gt, Le

_CODE = re.compile(r"^[A-Z]+[0-9]*$")


def _key(name: str) -> str:
    return name.replace("_", "-")


# Read by pydantic when it validates these dataclasses (stdlib dataclasses
# take their pydantic configuration from this attribute).
_STRICT = {"extra": "forbid", "alias_generator": _key, "populate_by_name": True}


@dataclass(frozen=True)
class TypeRule:
    """Which doc type the files matching ``glob`` have (first match wins)."""

    __pydantic_config__ = _STRICT
    glob: str
    type: str


@dataclass(frozen=True)
class SectionRequirement:
    """A section a doc type must have: a heading containing one of ``titles``
    whose section holds ``holds`` ("math" | "code" | "table").

    ``min_rows``/``min_columns`` apply to tables (data rows, not the header);
    ``languages``, when set, lists the fence languages that count as code
    (default: any programming language; see pipeline/rules/sections.py);
    ``exclude_titles`` are phrases that contain a title without meaning it
    (对比学习 is contrastive learning, not a comparison)."""

    __pydantic_config__ = _STRICT
    name: str
    titles: list[str]
    holds: Literal["math", "code", "table"]
    exclude_titles: list[str] = field(default_factory=list)
    min_rows: Annotated[int, Ge(1)] = 2
    min_columns: Annotated[int, Ge(1)] = 2
    languages: list[str] = field(default_factory=list)


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


@dataclass(frozen=True)
class LinkSettings:
    """``[tool.corpus.links]``: how external links are checked (LNK014)."""

    __pydantic_config__ = _STRICT
    online: bool = False  # also turned on by ``corpus check --online``
    timeout: Annotated[float, Gt(0)] = 10.0
    concurrency: Annotated[int, Ge(1), Le(64)] = 8
    retries: Annotated[int, Ge(0), Le(10)] = 2
    cache_hours: Annotated[float, Ge(0)] = 168.0
    ignore_urls: list[str] = field(default_factory=list)  # regexes, matched from the start


@dataclass(frozen=True)
class Settings:
    __pydantic_config__ = _STRICT
    root: str = "corpus"
    include: list[str] = field(default_factory=lambda: ["**/*.md"])
    exclude: list[str] = field(default_factory=list)
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Literal["error", "warning"]] = field(default_factory=dict)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    types: list[TypeRule] = field(default_factory=_default_types)
    sections: dict[str, list[SectionRequirement]] = field(default_factory=_default_sections)
    lang: str = "zh-cn"
    max_file_size: Annotated[int, Gt(0)] = 10_000_000
    follow_external_symlinks: bool = False
    templates: str = "templates"
    index_templates: dict[str, str] = field(default_factory=dict)
    links: LinkSettings = field(default_factory=LinkSettings)


def _check_values(settings: Settings) -> None:
    """What the types cannot say; raises ValueError naming the key."""
    for key, codes in (("select", settings.select), ("ignore", settings.ignore)):
        for code in codes:
            if not _CODE.match(code):
                raise ValueError(f"{key}: {code!r} is not a rule code or prefix (e.g. LNK001, LNK, ENC)")
    for pattern in settings.links.ignore_urls:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"links.ignore-urls: {pattern!r} is not a regular expression: {exc}") from None


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
        data = json.dumps(dataclasses.asdict(self.settings), sort_keys=True)
        return hashlib.sha256(data.encode()).hexdigest()[:16]

    def doc_type(self, rel_path: str) -> str:
        for rule in self.settings.types:
            if glob_match(rel_path, rule.glob):
                return rule.type
        return "note"

    def is_included(self, rel_path: str) -> bool:
        return self._included(rel_path) is not None and self._excluded(rel_path) is None

    @cached_property
    def _included(self) -> Callable[[str], re.Match[str] | None]:
        # One regex for all the patterns: this runs once per file of the
        # corpus, and a 10k-file listing paid ~20 ms in per-pattern calls.
        return _globs_regex(tuple(self.settings.include))

    @cached_property
    def _excluded(self) -> Callable[[str], re.Match[str] | None]:
        return _globs_regex(tuple(self.settings.exclude))

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
    return _globs_regex((pattern,))


def _globs_regex(patterns: tuple[str, ...]) -> Callable[[str], re.Match[str] | None]:
    """Matches a path that any of ``patterns`` matches (none: nothing)."""
    alternatives = []
    for pattern in patterns:
        alternatives.append(fnmatch.translate(pattern))
        while pattern.startswith("**/"):
            pattern = pattern[3:]
            alternatives.append(fnmatch.translate(pattern))
    if not alternatives:
        return lambda _path: None
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


def load_config(path: Path | None = None, start: Path | None = None, *, memo: bool = False) -> Config:
    """Load ``[tool.corpus]`` from ``path`` or the nearest pyproject.toml that has it.

    With ``memo``, a table validated before is read back from
    ``.corpus_cache/`` next to the pyproject.toml instead of being validated
    again (see the module docstring)."""
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
    project_dir = source.parent.resolve()
    cache = None
    if memo:
        from pipeline.cache import Cache

        cache = Cache(project_dir / ".corpus_cache", "settings")
        key = _memo_key(raw)
        settings = cache.get_keyed("settings", key)
        if isinstance(settings, Settings):
            return Config(settings, project_dir, source)
    try:
        settings = validate(raw)
    except ValueError as exc:
        raise ConfigError(f"{source}: [tool.corpus] {exc}") from None
    if cache is not None:
        cache.put_keyed("settings", key, settings)
    return Config(settings, project_dir, source)


def _memo_key(raw: dict[str, Any]) -> str:
    # The table as TOML parsed it, plus this module as installed: a validated
    # result stays valid while neither changes.
    here = Path(__file__).stat()
    text = json.dumps(raw, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(f"{here.st_size}|{here.st_mtime_ns}|{text}".encode()).hexdigest()


def validate(raw: dict[str, Any]) -> Settings:
    """The settings of a ``[tool.corpus]`` table; ValueError says what is wrong."""
    from annotated_types import Ge, Gt, Le  # noqa: F401 - read by pydantic from this frame
    from pydantic import TypeAdapter, ValidationError

    try:
        # pydantic resolves the string annotations in this frame's names
        # (the constraints imported above), then in this module's.
        settings = TypeAdapter(Settings).validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        if first["type"] in ("unexpected_keyword_argument", "extra_forbidden"):
            message = f"unknown key {where!r}"
            suggestion = _suggest(str(first["loc"][-1]), _known_keys(first["loc"][:-1]))
            if suggestion:
                message += f"; did you mean {suggestion!r}?"
        else:
            message = f"{where}: {first['msg']}"
        raise ValueError(message) from None
    _check_values(settings)
    return settings


def _constraints() -> dict[str, Any]:
    import annotated_types

    return {"Ge": annotated_types.Ge, "Gt": annotated_types.Gt, "Le": annotated_types.Le}


def _known_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys of the table at ``loc`` (e.g. ``("sections", "note", 0)``)."""
    import typing

    current: Any = Settings
    for part in loc:
        if dataclasses.is_dataclass(current):
            current = typing.get_type_hints(current, localns=_constraints()).get(str(part).replace("-", "_"))
        else:  # list[X] or dict[str, X]: the part is an index or a key
            args = typing.get_args(current)
            current = args[-1] if args else None
    if not dataclasses.is_dataclass(current):
        return []
    return [_key(f.name) for f in dataclasses.fields(current)]


def _suggest(word: str, options: list[str]) -> str | None:
    import difflib

    match = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return match[0] if match else None
