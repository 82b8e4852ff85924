"""Load a YAML or JSON spec into plain data, remembering where every key and value came from.

Nothing from the file is ever turned into an object other than str, int, float, bool, None, dict
and list: YAML tags such as ``!!python/object`` are refused, not constructed. Aliases are expanded
under a node budget, so an alias bomb is refused quickly instead of exhausting memory.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from archgen import limits
from archgen.codes import diagnostic
from archgen.diagnostics import Diagnostic

Loc = tuple[str | int, ...]
"""A path into the document: mapping keys and sequence indices, as Pydantic reports them."""


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True)
class SourceMap:
    """Where each key (``keys``) and each value (``values``) of the document starts."""

    keys: Mapping[Loc, Position]
    values: Mapping[Loc, Position]

    def value_position(self, loc: Loc) -> Position:
        """The value at ``loc``, or of its nearest ancestor present in the file."""
        for end in range(len(loc), -1, -1):
            position = self.values.get(loc[:end])
            if position is not None:
                return position
        return Position(1, 1)

    def key_position(self, loc: Loc) -> Position:
        """The key naming ``loc``; falls back to the value's position."""
        return self.keys.get(loc) or self.value_position(loc)


@dataclass(frozen=True)
class Document:
    path: Path
    display: str
    """The path as it is shown in messages and written into generated headers."""
    data: dict[str, Any]
    source_map: SourceMap
    sha256: str

    def diagnostic(
        self, code: str, message: str, loc: Loc = (), *, at_key: bool = False
    ) -> Diagnostic:
        source_map = self.source_map
        position = (
            source_map.key_position(loc) if at_key else source_map.value_position(loc)
        )
        return diagnostic(code, message, self.display, position.line, position.column)


class _Refused(Exception):
    """Raised inside the converters; becomes a diagnostic at ``position``."""

    def __init__(self, code: str, message: str, position: Position) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.position = position


def load(path: Path, display: str | None = None) -> Document | Diagnostic:
    """Read ``path`` as a spec document, or say precisely why it cannot be read."""
    shown = display if display is not None else str(path)
    try:
        if path.is_dir():
            return diagnostic("AG001", "is a directory, expected a spec file", shown)
        size = path.stat().st_size
        if size > limits.MAX_FILE_BYTES:
            return diagnostic(
                "AG008",
                f"file is {size:,} bytes; archgen reads spec files of at most "
                f"{limits.MAX_FILE_BYTES:,} bytes",
                shown,
            )
        raw = path.read_bytes()
    except OSError as error:
        return diagnostic(
            "AG001", f"cannot read file: {error.strerror or error}", shown
        )
    text = _decode(raw, shown)
    if isinstance(text, Diagnostic):
        return text
    parse = _parse_json if path.suffix.lower() == ".json" else _parse_yaml
    try:
        data, keys, values = parse(text)
    except _Refused as refused:
        position = refused.position
        return diagnostic(
            refused.code, refused.message, shown, position.line, position.column
        )
    except RecursionError:
        return diagnostic(
            "AG008",
            f"nested too deeply; archgen allows a depth of {limits.MAX_DEPTH}",
            shown,
        )
    if data is None:
        return diagnostic(
            "AG004",
            "the file holds no spec; expected a mapping such as 'name: ...'",
            shown,
        )
    if not isinstance(data, dict):
        kind = (
            "a sequence"
            if isinstance(data, list)
            else f"a single {type(data).__name__} value"
        )
        return diagnostic(
            "AG005", f"found {kind}, expected a mapping of spec keys", shown
        )
    digest = hashlib.sha256(raw).hexdigest()
    return Document(path, shown, data, SourceMap(keys, values), digest)


def _decode(raw: bytes, shown: str) -> str | Diagnostic:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        return diagnostic(
            "AG003",
            f"byte 0x{raw[error.start]:02x} is not UTF-8; expected a text file",
            shown,
            line,
            column,
        )
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return diagnostic(
            "AG003", "contains NUL characters; expected a text file", shown, line
        )
    return text


class _Recorder:
    """Positions of keys and values, and the budget every reader enforces while it reads."""

    def __init__(self) -> None:
        self.keys: dict[Loc, Position] = {}
        self.values: dict[Loc, Position] = {}
        self.nodes = 0

    def enter(self, loc: Loc, position: Position, depth: int) -> None:
        """Count one more value at ``loc``, refusing files beyond the node and depth limits."""
        self.nodes += 1
        if self.nodes > limits.MAX_NODES:
            raise _Refused(
                "AG008",
                f"more than {limits.MAX_NODES:,} values (YAML aliases expanded); "
                "a spec needs a few hundred",
                position,
            )
        if depth > limits.MAX_DEPTH:
            raise _Refused(
                "AG008", f"nested deeper than {limits.MAX_DEPTH} levels", position
            )
        self.values.setdefault(loc, position)

    def add_key(
        self, mapping: dict[str, Any], loc: Loc, key: str, position: Position
    ) -> Loc:
        """Record ``key`` of the mapping at ``loc``; a key seen twice is an error."""
        child: Loc = (*loc, key)
        if key in mapping:
            first = self.keys[child]
            raise _Refused(
                "AG006",
                f"duplicate key '{key}' (first at line {first.line}, column {first.column})",
                position,
            )
        self.keys[child] = position
        return child


# --- YAML ----------------------------------------------------------------------------------------

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


def _mark(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1)


def _parse_yaml(text: str) -> tuple[Any, dict[Loc, Position], dict[Loc, Position]]:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        position = _mark(mark) if mark is not None else Position(1, 1)
        if "expected a single document" in str(error.context or ""):
            raise _Refused(
                "AG009",
                "found a second YAML document ('---'); expected exactly one spec",
                position,
            ) from None
        problem = " ".join(part for part in (error.context, error.problem) if part)
        raise _Refused("AG002", f"invalid YAML: {problem}", position) from None
    except yaml.YAMLError as error:  # reader errors: characters YAML does not allow
        raise _Refused("AG002", f"invalid YAML: {error}", Position(1, 1)) from None
    finally:
        loader.dispose()
    if root is None:
        return None, {}, {}
    converter = _YamlConverter()
    return converter.convert(root, (), 0), converter.keys, converter.values


class _YamlConverter(_Recorder):
    """Turns a composed YAML node graph into plain data, refusing anything but plain data."""

    def __init__(self) -> None:
        super().__init__()
        self.active: set[int] = set()
        self.constructor = yaml.constructor.SafeConstructor()

    def convert(self, node: yaml.Node, loc: Loc, depth: int) -> Any:
        position = _mark(node.start_mark)
        self.enter(loc, position, depth)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, position)
        if id(node) in self.active:
            raise _Refused(
                "AG002",
                "invalid YAML: an alias refers to a node containing it",
                position,
            )
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ_TAG:
                return [
                    self.convert(item, (*loc, i), depth + 1)
                    for i, item in enumerate(node.value)
                ]
            if isinstance(node, yaml.MappingNode) and node.tag == _MAP_TAG:
                return self.mapping(node, loc, depth)
        finally:
            self.active.discard(id(node))
        raise _Refused("AG007", _tag_message(node.tag), position)

    def mapping(self, node: yaml.MappingNode, loc: Loc, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_position = _mark(key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(
                    "AG005",
                    "found a mapping or sequence used as a key; expected a name",
                    key_position,
                )
            # A key is its literal text: 'on:' is the key "on", not the boolean true.
            key = str(key_node.value)
            child = self.add_key(result, loc, key, key_position)
            result[key] = self.convert(value_node, child, depth + 1)
        return result

    def scalar(self, node: yaml.ScalarNode, position: Position) -> Any:
        if node.tag not in _SCALAR_TAGS:
            raise _Refused("AG007", _tag_message(node.tag), position)
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ValueError, yaml.YAMLError):
            raise _Refused(
                "AG103",
                f"'{node.value}' is not a valid {node.tag.rsplit(':', 1)[-1]}",
                position,
            ) from None


def _tag_message(tag: str) -> str:
    short = tag.replace("tag:yaml.org,2002:", "!!")
    hint = "; quote the value to make it a string" if short == "!!timestamp" else ""
    return (
        f"unsupported YAML tag '{short}'{hint}; specs hold only strings, numbers, booleans, "
        "null, mappings and sequences"
    )


# --- JSON ----------------------------------------------------------------------------------------


def _parse_json(text: str) -> tuple[Any, dict[Loc, Position], dict[Loc, Position]]:
    if not text.strip():
        return None, {}, {}
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        raise _Refused(
            "AG002", f"invalid JSON: {error.msg}", Position(error.lineno, error.colno)
        ) from None
    reader = _JsonReader(text)
    return reader.value(0, (), 0)[0], reader.keys, reader.values


class _JsonReader(_Recorder):
    """Re-reads JSON already known to be valid, recording the position of each key and value."""

    _WHITESPACE = " \t\n\r"

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.decoder = json.JSONDecoder()
        self.line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def position(self, index: int) -> Position:
        line = bisect.bisect_right(self.line_starts, index)
        return Position(line, index - self.line_starts[line - 1] + 1)

    def skip(self, index: int) -> int:
        while index < len(self.text) and self.text[index] in self._WHITESPACE:
            index += 1
        return index

    def value(self, index: int, loc: Loc, depth: int) -> tuple[Any, int]:
        index = self.skip(index)
        self.enter(loc, self.position(index), depth)
        opener = self.text[index]
        if opener == "{":
            return self.obj(index + 1, loc, depth)
        if opener == "[":
            items: list[Any] = []
            index = self.skip(index + 1)
            while self.text[index] != "]":
                item, index = self.value(index, (*loc, len(items)), depth + 1)
                items.append(item)
                index = self.skip(index)
                if self.text[index] == ",":
                    index += 1
                index = self.skip(index)
            return items, index + 1
        return self.decoder.raw_decode(self.text, index)

    def obj(self, index: int, loc: Loc, depth: int) -> tuple[dict[str, Any], int]:
        result: dict[str, Any] = {}
        index = self.skip(index)
        while self.text[index] != "}":
            key_position = self.position(index)
            key, index = self.decoder.raw_decode(self.text, index)
            child = self.add_key(result, loc, key, key_position)
            index = self.skip(self.skip(index) + 1)  # past the colon
            result[key], index = self.value(index, child, depth + 1)
            index = self.skip(index)
            if self.text[index] == ",":
                index = self.skip(index + 1)
        return result, index + 1
