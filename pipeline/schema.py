"""Front-matter schemas: one pydantic model per doc type, and their diagnostics.

The models are the single source of truth for three things:

* validation (``validate_front_matter``): the FM010-FM020 rules report what
  it finds, each problem at the line and column of the offending key or
  value, nested list items included (the YAML is re-composed to get marks);
* the JSON Schemas in ``schemas/<type>.schema.json`` (``corpus schema``),
  which editors use for completion and inline errors;
* the documentation of the keys (each ``Field(description=…)``).

Keys are English.  A Chinese key (演进点, 核心价值…) is reported with the
English key to use instead.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from pipeline.diagnostics import Problem, Quote, Rename
from pipeline.document import FrontMatter

# ------------------------------------------------------------------ value types


def _to_date(value: Any) -> Any:
    """Accept a YAML date or a quoted ``YYYY-MM-DD``; refuse times and numbers
    (pydantic would read an int as a Unix timestamp)."""
    if isinstance(value, dt.datetime):
        raise PydanticCustomError("invalid_date", "has a time of day; write the date only: {date}",
                                  {"date": value.date().isoformat()})
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise PydanticCustomError("invalid_date", "is not a date in the form YYYY-MM-DD", {})
        try:
            return dt.date.fromisoformat(text)
        except ValueError as exc:
            raise PydanticCustomError("invalid_date", "is not a real date ({reason})", {"reason": str(exc)}) from None
    raise PydanticCustomError("date_type", "must be a date", {})


NOTE_ID = r"^(?:\d{1,6}|S\d{1,5})$"
KEY = r"^[a-z0-9][a-z0-9_-]*$"
LANG = r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$"
WIKI_LINK = r"^\[\[[^\[\]\n]+\]\]$"

Date = Annotated[dt.date, BeforeValidator(_to_date),
                 WithJsonSchema({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"})]
Text = Annotated[str, StringConstraints(min_length=1)]
NoteId = Annotated[str, StringConstraints(pattern=NOTE_ID)]
Key = Annotated[str, StringConstraints(pattern=KEY)]
Lang = Annotated[str, StringConstraints(pattern=LANG)]
WikiLink = Annotated[str, StringConstraints(pattern=WIKI_LINK)]

#: what a pattern-constrained value must look like, said to a person
FORMATS: dict[str, str] = {
    NOTE_ID: 'a quoted number like "11", or "S" and a number like "S1"',
    KEY: "lower-case letters, digits, - and _ (like core or vision_encoder)",
    LANG: 'a language tag like "zh-cn" or "en"',
    WIKI_LINK: 'a wiki-link like "[[AI/MLLM/CLIP|CLIP]]"',
}


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


def _unique(values: list[Any], what: str, key: Any = None) -> list[Any]:
    seen: set[Any] = set()
    for index, v in enumerate(values):
        k = key(v) if key else v
        if k in seen:
            raise PydanticCustomError("duplicate", "lists {what} {value} twice",
                                      {"what": what, "value": json.dumps(k, ensure_ascii=False), "index": index})
        seen.add(k)
    return values


# ------------------------------------------------------------------- the models


class Related(_Closed):
    """A note to read next, and why."""

    target: Text = Field(description='A note id ("10", "S1"), a relative path, or a [[wiki-link]].')
    reason: Text = Field(description="Why to read it (关联阅读's text).")


class Note(_Closed):
    """A note: one technique, its formulas, code and comparison (docs/note-format.md)."""

    type: Literal["note"] | None = Field(None, description="Only needed where the path says otherwise.")
    title: Text = Field(description="The note's title; also its H1.")
    id: NoteId = Field(description='Number shown in the index: "01" … "27", "S1" … (quote it).')
    group: Key = Field(description="Key of a group declared in the section README's groups.")
    tagline: Text = Field(description="One line for the root index.")
    evolution: Text = Field(description="演进点: what evolved, from → to.")
    value: Text = Field(description="核心价值: why it matters.")
    models: list[Text] = Field(min_length=1, description="代表模型: at least one.")
    related: list[Related] = Field(default_factory=list, description="关联阅读.")
    tags: list[Text] = Field(default_factory=list, description="Free tags, lower-case.")
    status: Literal["draft", "review", "complete"] = Field(description="How finished the note is.")
    date: Date = Field(description="Created, YYYY-MM-DD.")
    updated: Date | None = Field(None, description="Last substantive change, YYYY-MM-DD, not before date.")
    lang: Lang | None = Field(None, description="Language of the prose; default from [tool.corpus] lang (zh-cn).")

    @field_validator("related")
    @classmethod
    def _related_unique(cls, value: list[Related]) -> list[Related]:
        return _unique(value, "target", key=lambda r: r.target)


class Group(_Open):
    """A group of notes in a section index, in display order."""

    key: Key = Field(description="What notes put in their group: key.")
    title: Text = Field(description="The group's heading in the index.")


class Index(_Open):
    """A README: the root index or a section index.  Extra keys are allowed
    (templates may read their own)."""

    type: Literal["index"] | None = Field(None, description="index")
    title: Text = Field(description="The index's title; also its H1.")
    description: str | None = Field(None, description="One line under the title.")
    groups: list[Group] = Field(default_factory=list, description="Section index: the groups, in order.")
    sections: list[Text] = Field(default_factory=list, description="Root index: the section folders, in order.")

    @field_validator("groups")
    @classmethod
    def _groups_unique(cls, value: list[Group]) -> list[Group]:
        return _unique(value, "group key", key=lambda g: g.key)

    @field_validator("sections")
    @classmethod
    def _sections_unique(cls, value: list[str]) -> list[str]:
        return _unique(value, "section")


class Vault(_Open):
    """An Obsidian-style note: loose metadata, [[wiki-links]].  Extra keys are allowed."""

    type: Literal["vault"] | None = Field(None, description="vault")
    title: Text = Field(description="The note's title.")
    brief: str | None = Field(None, description="A summary.")
    date: Date | None = Field(None, description="Created, YYYY-MM-DD (may be quoted).")
    updated: Date | None = Field(None, description="Last change, YYYY-MM-DD (may be quoted).")
    tags: list[str] | str = Field(default_factory=list, description="Tags; nested with / (ai/mllm).")
    status: str | None = Field(None, description="Free status (draft, complete…).")
    sources: list[str] = Field(default_factory=list, description="References, one per item.")
    related: list[WikiLink] = Field(default_factory=list, description="[[wiki-links]] to related notes.")


#: doc type -> model; the name is what ``type:`` and ``[tool.corpus] types`` say
SCHEMAS: dict[str, type[BaseModel]] = {"index": Index, "note": Note, "vault": Vault}

#: Chinese key -> the English key to use instead
CHINESE_KEYS: dict[str, str] = {
    "标题": "title", "题目": "title", "编号": "id", "序号": "id", "分组": "group", "组": "group",
    "分类": "group", "简介": "tagline", "一句话": "tagline", "标语": "tagline",
    "演进点": "evolution", "演进": "evolution", "核心价值": "value", "价值": "value",
    "代表模型": "models", "模型": "models", "关联": "related", "关联阅读": "related", "相关": "related",
    "标签": "tags", "状态": "status", "日期": "date", "创建日期": "date", "创建时间": "date",
    "更新": "updated", "更新日期": "updated", "更新时间": "updated", "语言": "lang",
    "类型": "type", "描述": "description", "说明": "description", "分组列表": "groups", "章节": "sections",
    "摘要": "brief", "来源": "sources", "参考": "sources", "参考资料": "sources",
}

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


# ------------------------------------------------------------------- positions


@dataclass(frozen=True)
class Span:
    """Where a key and its value sit in the file (1-based)."""

    key: tuple[int, int] | None
    value: tuple[int, int]
    value_end: tuple[int, int]
    plain: bool  # the value is an unquoted scalar


Path_ = tuple[str | int, ...]


def spans(fm: FrontMatter) -> dict[Path_, Span]:
    """Every key and value of the front-matter by path (``("related", 0, "reason")``).

    The document only keeps the top-level positions; nested list items need
    the YAML node tree, so it is composed again here (cheap: a few lines)."""
    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(fm.raw, Loader=loader_cls)
    except (yaml.YAMLError, RecursionError):
        return {}
    out: dict[Path_, Span] = {}
    base = fm.start_line + 1

    def pos(mark: Any) -> tuple[int, int]:
        return base + mark.line, mark.column + 1

    def walk(n: yaml.Node, path: Path_, key: yaml.Node | None, depth: int) -> None:
        if depth > 50 or path in out:
            return
        out[path] = Span(pos(key.start_mark) if key is not None else None, pos(n.start_mark), pos(n.end_mark),
                         isinstance(n, yaml.ScalarNode) and n.style in (None, ""))
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode):
                    walk(v, (*path, str(k.value)), k, depth + 1)
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                walk(v, (*path, i), None, depth + 1)

    if node is not None:
        walk(node, (), None, 0)
    return out


# ------------------------------------------------------------------ diagnostics


MAX_MISSING_LISTED = 3


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({_short(value)})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, dt.datetime):
        return "a date and time"
    if isinstance(value, dt.date):
        return "a date"
    return type(value).__name__


def _short(value: str, limit: int = 40) -> str:
    return json.dumps(value if len(value) <= limit else value[: limit - 1] + "…", ensure_ascii=False)


_EXPECTED = {
    "string_type": "a string", "list_type": "a list", "dict_type": "a mapping", "bool_type": "true or false",
    "int_type": "a whole number", "float_type": "a number", "date_type": "a date YYYY-MM-DD",
}


def _fields(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def _model_at(model: type[BaseModel], path: Path_) -> type[BaseModel] | None:
    """The model that holds the last key of ``path`` (for nested keys)."""
    current: Any = model
    for part in path[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            return None
        annotation = current.model_fields[part].annotation
        current = _inner_model(annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def suggest(word: str, options: Iterable[str], cutoff: float = 0.6) -> str | None:
    options = list(options)
    for option in options:
        if word.lower() == option.lower() or word.replace("-", "_").lower() == option:
            return option
    match = difflib.get_close_matches(word, options, n=1, cutoff=cutoff)
    return match[0] if match else None


def _at(span_map: dict[Path_, Span], path: Path_, fm: FrontMatter, key: bool = False) -> tuple[int, int]:
    """Position of a path's key (``key=True``) or value; the closest existing
    parent when the path itself is not in the file (a missing key)."""
    p = path
    while p:
        span = span_map.get(p)
        if span is not None:
            if key and span.key is not None:
                return span.key
            return span.value
        p = p[:-1]
    return fm.start_line, 1


def validate_front_matter(fm: FrontMatter, doc_type: str, path_type: str) -> tuple[Problem, ...]:
    """Every schema problem of a front-matter, sorted by position.

    ``doc_type`` is the type the document has (explicit ``type:`` first);
    ``path_type`` the one its path gave, used to notice a front-matter that
    is plainly of another type (FM019)."""
    if fm.data is None:
        return ()
    # Every FM rule asks for the same result; the rules memoise it per note
    # (and across runs) through ctx.memo, see pipeline/rules/schema.py.
    return _validate(fm, doc_type, path_type)


def _validate(fm: FrontMatter, doc_type: str, path_type: str) -> tuple[Problem, ...]:
    assert fm.data is not None
    data = fm.data
    span_map = spans(fm)
    explicit = data.get("type")
    if explicit is not None:
        if not isinstance(explicit, str):
            line, col = _at(span_map, ("type",), fm)
            return (Problem("FM012", line, col, f'"type" must be a string, got {describe(explicit)}'),)
        if explicit.strip() not in SCHEMAS:
            line, col = _at(span_map, ("type",), fm)
            allowed = ", ".join(f'"{t}"' for t in SCHEMAS)
            hint = suggest(explicit, SCHEMAS)
            tail = f'; did you mean "{hint}"?' if hint else ""
            return (Problem("FM014", line, col, f'"type" must be one of {allowed}; got {_short(explicit)}{tail}'),)
    model = SCHEMAS.get(doc_type)
    if model is None:
        return ()
    problems = _model_problems(model, fm, data, span_map)
    if problems and explicit is None:
        other = _looks_like_other_type(model, data)
        if other is not None:
            distinctive = [k for k in data if k not in model.model_fields and k in SCHEMAS[other].model_fields]
            keys = ", ".join(f'"{k}"' for k in distinctive)
            return (Problem(
                "FM019", fm.start_line, 1,
                f'front-matter has the keys of a "{other}" document ({keys}), not of a "{path_type}"; '
                f'add "type: {other}", or map this path to {other} in [tool.corpus] types'),)
    return tuple(sorted(problems, key=lambda p: (p.line, p.column, p.code, p.message)))


def _looks_like_other_type(model: type[BaseModel], data: dict[str, Any]) -> str | None:
    """Another type this front-matter plainly is: it lacks at least half the
    keys its path's type requires (a stray key in a real note is FM011, not
    a different type), has keys only the other type knows, and is valid there."""
    required = [k for k, f in model.model_fields.items() if f.is_required()]
    missing = [k for k in required if k not in data]
    if not required or len(missing) * 2 < len(required):
        return None
    for name, other in SCHEMAS.items():
        if other is model:
            continue
        distinctive = [k for k in data if k not in model.model_fields and k in other.model_fields]
        if not distinctive:
            continue
        try:
            other.model_validate(data)
        except ValidationError:
            continue
        return name
    return None


def _model_problems(model: type[BaseModel], fm: FrontMatter, data: dict[str, Any],
                    span_map: dict[Path_, Span]) -> list[Problem]:
    problems: list[Problem] = []
    covered: set[str] = set()  # required keys another finding already explains
    closed = model.model_config.get("extra") == "forbid"

    # Keys: Chinese ones everywhere; unknown ones where the model is closed,
    # or likely typos where it is open.
    renamed: set[str] = set()  # two keys must not be renamed to the same one
    for key in data:
        key_pos = _at(span_map, (key,), fm, key=True)
        if key in model.model_fields:
            continue
        if _CJK.search(key):
            english = CHINESE_KEYS.get(key.strip())
            if english is not None:
                exists = english in data or english in renamed
                msg = f'front-matter keys are English: use "{english}" instead of "{key}"'
                if exists:
                    msg += f' ("{english}" is already set; merge the two)'
                covered.add(english)
                renamed.add(english)
                rename = None if exists else Rename(key, english, *key_pos, safe=True)
                problems.append(Problem("FM016", *key_pos, msg, rename=rename))
            else:
                problems.append(Problem("FM016", *key_pos,
                                        f'front-matter keys are English: "{key}" is not a known key '
                                        f"(known: {', '.join(_fields(model))})"))
            continue
        hint = suggest(key, model.model_fields, cutoff=0.6 if closed else 0.8)
        if closed or hint is not None:
            msg = f'unknown key "{key}"'
            rename = None
            if hint is not None and hint not in data and hint not in renamed:
                msg += f'; did you mean "{hint}"?'
                covered.add(hint)
                renamed.add(hint)
                rename = Rename(key, hint, *key_pos, safe=False)
            elif hint is not None:
                msg += f' (like "{hint}", which is already set)'
            else:
                msg += f"; {model.__name__.lower()} keys are: {', '.join(_fields(model))}"
            problems.append(Problem("FM011", *key_pos, msg, rename=rename))

    try:
        validated = model.model_validate(data)
    except ValidationError as exc:
        validated = None
        missing: list[str] = []
        errors = exc.errors()
        for err in errors:  # a nested typo explains the missing key it was meant to be
            where: Path_ = tuple(err["loc"])
            if err["type"] == "extra_forbidden" and len(where) > 1:
                parent = _model_at(model, where)
                hint = suggest(str(where[-1]), _fields(parent)) if parent else None
                if hint:
                    covered.add(dotted((*where[:-1], hint)))
        for err in errors:
            loc: Path_ = tuple(err["loc"])
            etype = err["type"]
            name = dotted(loc)
            if etype == "extra_forbidden":
                if len(loc) > 1:  # nested: top-level keys were handled above
                    parent = _model_at(model, loc)
                    options = _fields(parent) if parent else []
                    hint = suggest(str(loc[-1]), options) if options else None
                    tail = f'; did you mean "{hint}"?' if hint else (f"; expected {', '.join(options)}" if options else "")
                    pos = _at(span_map, loc, fm, key=True)
                    rename = Rename(str(loc[-1]), hint, *pos, safe=False) if hint else None
                    problems.append(Problem("FM011", *pos, f'unknown key "{name}"{tail}', rename=rename))
                continue
            if etype == "missing":
                if len(loc) == 1:
                    if str(loc[0]) not in covered:
                        missing.append(str(loc[0]))
                elif name not in covered:
                    line, col = _at(span_map, loc[:-1], fm)
                    problems.append(Problem("FM010", line, col, f'"{name}" is required'))
                continue
            problems.append(_value_problem(err, loc, name, fm, span_map, model))
        if missing:
            problems.append(_missing(missing, fm))
    problems.extend(_date_order(model, validated, data, fm, span_map))
    return problems


def _missing(missing: list[str], fm: FrontMatter) -> Problem:
    if len(missing) <= MAX_MISSING_LISTED:
        names = [f'"{m}"' for m in missing]
        if len(names) == 1:
            msg = f"{names[0]} is required"
        else:
            msg = f"{', '.join(names[:-1])} and {names[-1]} are required"
    else:
        listed = ", ".join(f'"{m}"' for m in missing)
        msg = f"{len(missing)} required keys are missing: {listed}"
    return Problem("FM010", fm.start_line, 1, msg)


def _value_problem(err: Any, loc: Path_, name: str, fm: FrontMatter, span_map: dict[Path_, Span],
                   model: type[BaseModel]) -> Problem:
    etype = err["type"]
    value = err.get("input")
    line, col = _at(span_map, loc, fm)
    ctx = err.get("ctx") or {}
    if value is None and etype != "missing":
        return Problem("FM015", line, col, f'"{name}" has no value')
    if etype in ("invalid_date", "date_type", "date_parsing", "date_from_datetime_parsing"):
        shown = value.isoformat() if isinstance(value, dt.date) else (
            _short(value) if isinstance(value, str) else describe(value))
        if etype == "date_type":
            return Problem("FM013", line, col, f'"{name}" must be a date YYYY-MM-DD, got {describe(value)}')
        if isinstance(value, dt.datetime):
            return Problem("FM013", line, col, f'"{name}" has a time of day ({value.isoformat(sep=" ")}); '
                                               f"write the date only: {value.date().isoformat()}")
        return Problem("FM013", line, col, f'"{name}" {err["msg"]}; got {shown}')
    if etype == "literal_error":
        allowed = ctx.get("expected", "")
        options = re.findall(r"'([^']*)'", str(allowed))
        listed = ", ".join(f'"{o}"' for o in options)
        hint = suggest(str(value), options) if isinstance(value, str) else None
        tail = f'; did you mean "{hint}"?' if hint else ""
        got = _short(value) if isinstance(value, str) else describe(value)
        return Problem("FM014", line, col, f'"{name}" must be one of {listed}; got {got}{tail}')
    if etype in ("too_short", "string_too_short"):
        what = "list" if isinstance(value, list) else "value"
        need = "at least one item" if what == "list" else "some text"
        return Problem("FM015", line, col, f'"{name}" is empty; it needs {need}')
    if etype == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        form = FORMATS.get(pattern, f"a value matching {pattern}")
        return Problem("FM020", line, col, f'"{name}" must be {form}; got {_short(str(value))}')
    if etype == "duplicate":
        line, col = _at(span_map, (*loc, int(ctx.get("index", 0))), fm)
        return Problem("FM020", line, col, f'"{name}" {err["msg"]}')
    if etype in ("model_type", "model_attributes_type"):
        inner = _model_at(model, (*loc, "_"))
        keys = ""
        if inner is not None:
            keys = " with " + " and ".join(f'"{k}"' for k, f in inner.model_fields.items() if f.is_required())
        return Problem("FM012", line, col, f'"{name}" must be a mapping{keys}, got {describe(value)}')
    if etype == "union_tag_invalid" or etype.endswith("_type"):
        expected = _EXPECTED.get(etype, etype.removesuffix("_type"))
        if etype == "list_type" and len(loc) == 1:
            msg = f'"{name}" must be a list, got {describe(value)}'
            if isinstance(value, str):
                msg += f"; write {name}: [{value}]"
            return Problem("FM012", line, col, msg)
        msg = f'"{name}" must be {expected}, got {describe(value)}'
        quote = None
        if etype == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
            span = span_map.get(loc)
            if span is not None and span.plain:
                msg += "; quote it"
                quote = Quote(*span.value, *span.value_end)
        return Problem("FM012", line, col, msg, quote=quote)
    return Problem("FM012", line, col, f'"{name}": {err["msg"]}')


def _date_order(model: type[BaseModel], validated: BaseModel | None, data: dict[str, Any], fm: FrontMatter,
                span_map: dict[Path_, Span]) -> list[Problem]:
    if "date" not in model.model_fields or "updated" not in model.model_fields:
        return []
    try:
        created = _to_date(data.get("date"))
        updated = _to_date(data.get("updated"))
    except (PydanticCustomError, ValueError):
        return []
    if isinstance(created, dt.date) and isinstance(updated, dt.date) and updated < created:
        line, col = _at(span_map, ("updated",), fm)
        return [Problem("FM018", line, col, f'"updated" ({updated.isoformat()}) is before "date" '
                                            f"({created.isoformat()}); a note is updated after it is created")]
    return []


def required_keys(doc_type: str) -> list[str]:
    model = SCHEMAS.get(doc_type)
    if model is None:
        return []
    return [name for name, info in model.model_fields.items() if info.is_required()]


# ------------------------------------------------------------------ JSON Schema

SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#"


def json_schema(doc_type: str) -> dict[str, Any]:
    """The JSON Schema of a doc type's front-matter, for editors and CI.

    Draft-07 is declared because it is what yaml-language-server and VS Code
    implement best; pydantic's output for these models uses nothing newer
    than ``$defs`` references, which draft-07 tools resolve as JSON pointers."""
    model = SCHEMAS[doc_type]
    schema = model.model_json_schema(mode="validation")
    out: dict[str, Any] = {"$schema": SCHEMA_DIALECT, "$comment":
                           "Generated by `corpus schema` from pipeline/schema.py; do not edit."}
    out.update(schema)
    out["title"] = f"corpus {doc_type} front-matter"
    return out


def render_schema(doc_type: str) -> str:
    return json.dumps(json_schema(doc_type), ensure_ascii=False, indent=2) + "\n"


@dataclass(frozen=True)
class SchemaFile:
    path: Path
    current: str | None  # what is on disk (None: missing)
    wanted: str | None  # what it should be (None: stale file to delete)

    @property
    def stale(self) -> bool:
        return self.current != self.wanted


def schema_files(folder: Path) -> list[SchemaFile]:
    """Each schema file of ``folder``: as it is, and as it should be."""
    out: list[SchemaFile] = []
    wanted = {f"{t}.schema.json": render_schema(t) for t in sorted(SCHEMAS)}
    existing = sorted(p.name for p in folder.glob("*.schema.json")) if folder.is_dir() else []
    for name in sorted(set(wanted) | set(existing)):
        path = folder / name
        current = path.read_text(encoding="utf-8") if name in existing else None
        out.append(SchemaFile(path, current, wanted.get(name)))
    return out
