"""Load a YAML or JSON spec into plain data, remembering where every key and value came from.

Nothing from the file is ever turned into an object other than str, int, float, bool, None, dict
and list: YAML tags such as ``!!python/object`` are refused, not constructed. Aliases are expanded
under a node budget, so an alias bomb is refused quickly instead of exhausting memory.

Only regular files are read, and never more than the size limit (:func:`read_bounded`). A value
means what it says: numbers are read as YAML 1.2 reads them, and a number YAML 1.1 (PyYAML)
would read differently, or a YAML 1.1 line break (U+0085, U+2028, U+2029), is refused with what
to write instead. Positions count lines at ``\\n`` only, as editors do (:class:`_Lines`).
"""

from __future__ import annotations

import bisect
import dataclasses
import errno
import hashlib
import json
import math
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from archgen import limits
from archgen.codes import diagnostic
from archgen.diagnostics import Diagnostic, Fix
from archgen.diagnostics import Loc as Loc
from archgen.text import printable

Span = tuple[int, int]
"""Character offsets of a token in the text, start inclusive, end exclusive."""


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True)
class SourceMap:
    """Where each key (``keys``) and each value (``values``) of the document starts."""

    keys: Mapping[Loc, Position]
    values: Mapping[Loc, Position]
    key_spans: Mapping[Loc, Span] = field(default_factory=dict)
    """Where each key's text is, to rename it (``archgen lint --fix``)."""
    value_spans: Mapping[Loc, Span] = field(default_factory=dict)
    """Where each scalar value's text is (with its quotes or tag), to replace it."""

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
    """Of the file's bytes."""
    text: str = ""
    """The file's text, decoded (without a byte-order mark)."""
    bom: bool = False
    """The file starts with a UTF-8 byte-order mark (which ``text`` leaves out)."""
    aliases: Mapping[Loc, Loc] = field(default_factory=dict)
    """When ``data`` was expanded from the compact form: where each part of it is written in
    the file (``("stages", 1, "blocks")`` -> ``("depths", 1)``)."""

    def file_loc(self, loc: Loc) -> Loc:
        """Where the value at ``loc`` of ``data`` is written in the file."""
        for end in range(len(loc), 0, -1):
            target = self.aliases.get(loc[:end])
            if target is not None:
                return target + loc[end:]
        return loc

    def diagnostic(
        self,
        code: str,
        message: str,
        loc: Loc = (),
        *,
        at_key: bool = False,
        fixes: tuple[Fix, ...] = (),
    ) -> Diagnostic:
        source_map = self.source_map
        where = self.file_loc(loc)
        position = (
            source_map.key_position(where)
            if at_key
            else source_map.value_position(where)
        )
        found = diagnostic(code, message, self.display, position.line, position.column)
        if fixes:
            located = tuple(
                dataclasses.replace(fix, loc=self.file_loc(fix.loc)) for fix in fixes
            )
            found = dataclasses.replace(found, fixes=located)
        return found


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
        raw = read_bounded(path, limits.MAX_FILE_BYTES)
    except FileTooLargeError as error:
        return diagnostic("AG008", str(error.strerror), shown)
    except NotRegularFileError as error:
        return diagnostic("AG001", f"{error.strerror}; expected a spec file", shown)
    except OSError as error:
        if isinstance(error, IsADirectoryError) or path.is_dir():
            return diagnostic("AG001", "is a directory, expected a spec file", shown)
        return diagnostic(
            "AG001",
            f"cannot read file: {printable(error.strerror or str(error))}",
            shown,
        )
    return parse(path, shown, raw)


def parse(path: Path, shown: str, raw: bytes) -> Document | Diagnostic:
    """The spec document in ``raw``, the bytes of ``path`` (its suffix says JSON or YAML)."""
    if len(raw) > limits.MAX_FILE_BYTES:
        return diagnostic(
            "AG008", _too_large(f"{len(raw):,} bytes", limits.MAX_FILE_BYTES), shown
        )
    text = _decode(raw, shown)
    if isinstance(text, Diagnostic):
        return text
    reader = _parse_json if path.suffix.lower() == ".json" else _parse_yaml
    lines = _Lines(text)
    try:
        data, source_map = reader(text, lines)
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
    bom = raw.startswith(b"\xef\xbb\xbf")
    return Document(path, shown, data, source_map, digest, text, bom)


# --- reading files -------------------------------------------------------------------------------


class NotRegularFileError(OSError):
    """The path names a FIFO, a device, a socket: something that is not a file of bytes."""


class FileTooLargeError(OSError):
    """The file holds more bytes than the caller reads."""


_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOCTTY", 0)
    # A FIFO without a writer would block open(); a spec path is never waited on.
    | getattr(os, "O_NONBLOCK", 0)
)


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at ``path``, which must hold at most ``limit`` of them.

    The file is opened once and checked on the open descriptor (``fstat``), so a FIFO, a device
    such as ``/dev/zero`` or a symlink to one is refused without blocking or reading, and at
    most ``limit + 1`` bytes are ever read, however the file changes meanwhile. Raises
    ``IsADirectoryError``, :class:`NotRegularFileError`, :class:`FileTooLargeError`, or the
    ``OSError`` of opening or reading.
    """
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError:
        _refuse_special(path)  # a socket cannot be opened at all: say what it is
        raise
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
        _refuse_special(path, info)
        if info.st_size > limit:
            raise FileTooLargeError(
                errno.EFBIG, _too_large(f"{info.st_size:,} bytes", limit), str(path)
            )
        chunks, remaining = [], limit + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        if remaining <= 0:  # it grew after fstat
            raise FileTooLargeError(
                errno.EFBIG, _too_large(f"more than {limit:,} bytes", limit), str(path)
            )
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def _refuse_special(path: Path, info: os.stat_result | None = None) -> None:
    """Raise NotRegularFileError unless ``path`` is a regular file or a folder (or is gone)."""
    if info is None:
        try:
            info = os.stat(path)
        except OSError:
            return
    if stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode):
        return
    kind = next((name for test, name in _KINDS if test(info.st_mode)), "special")
    raise NotRegularFileError(errno.EINVAL, f"is {kind}, not a regular file", str(path))


def _too_large(size: str, limit: int) -> str:
    return f"file is {size}; archgen reads files of at most {limit:,} bytes"


def _decode(raw: bytes, shown: str) -> str | Diagnostic:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # The error counts from after the byte-order mark, in the bytes it decoded.
        body, start = bytes(error.object), error.start
        line_start = body.rfind(b"\n", 0, start) + 1
        # Columns count characters, as editors do: the bytes before the error are valid UTF-8.
        column = len(body[line_start:start].decode("utf-8")) + 1
        return diagnostic(
            "AG003",
            f"byte 0x{body[start]:02x} is not UTF-8; expected a text file",
            shown,
            body.count(b"\n", 0, start) + 1,
            column,
        )
    if "\x00" in text:
        position = _Lines(text).position(text.index("\x00"))
        return diagnostic(
            "AG003",
            "contains NUL characters; expected a text file",
            shown,
            position.line,
            position.column,
        )
    return text


class _Lines:
    """Line and column of a character index, counting only \\n as a line break.

    Editors and ``path:line:col`` readers break lines at \\n (and \\r\\n); YAML 1.1 readers
    also break at \\r, U+0085, U+2028 and U+2029. Every position archgen reports is computed here
    from a character index, so it is the same for YAML and JSON and matches the editor.
    """

    def __init__(self, text: str) -> None:
        self.starts = [0] + [match.end() for match in re.finditer("\n", text)]

    def position(self, index: int) -> Position:
        line = bisect.bisect_right(self.starts, index)
        return Position(line, index - self.starts[line - 1] + 1)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_text(value: str, position: Position) -> None:
    """A string whose escapes (JSON "\\udcff", YAML "\\uDCFF") make a lone surrogate is no text."""
    lone = _SURROGATE.search(value)
    if lone is not None:
        raise _Refused(
            "AG003",
            f"the escape \\u{ord(lone.group()):04x} is half of a UTF-16 pair, not a "
            "character; expected text",
            position,
        )


class _Recorder:
    """Positions of keys and values, and the budget every reader enforces while it reads."""

    def __init__(self) -> None:
        self.keys: dict[Loc, Position] = {}
        self.values: dict[Loc, Position] = {}
        self.key_spans: dict[Loc, Span] = {}
        self.value_spans: dict[Loc, Span] = {}
        self.nodes = 0

    def source_map(self) -> SourceMap:
        return SourceMap(self.keys, self.values, self.key_spans, self.value_spans)

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
                f"duplicate key '{printable(key)}' "
                f"(first at line {first.line}, column {first.column})",
                position,
            )
        self.keys[child] = position
        return child


# --- YAML ----------------------------------------------------------------------------------------

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CParser: type = getattr(getattr(yaml, "cyaml", None), "CParser", type(None))
_YAML = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (
    f"{_YAML}{kind}" for kind in ("str", "int", "float", "bool", "null")
)
_SCALAR_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL}
_MAP_TAG = f"{_YAML}map"
_SEQ_TAG = f"{_YAML}seq"
_IMPLICIT = "archgen-implicit:"
"""Prefix of tags the resolver gave (never written in the file), to tell them from tags that
were: ``12`` and ``!!int 12`` compose to the same node otherwise."""


class _Loader(_Base):  # type: ignore[valid-type, misc]
    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        return _IMPLICIT + str(super().resolve(kind, value, implicit))


_YAML11_BREAKS = re.compile("[\x85\u2028\u2029]")
"""Line breaks in YAML 1.1 (PyYAML) that are ordinary characters in YAML 1.2."""


def _parse_yaml(text: str, lines: _Lines) -> tuple[Any, SourceMap]:
    odd_break = _YAML11_BREAKS.search(text)
    if odd_break is not None:
        code = ord(odd_break.group())
        raise _Refused(
            "AG002",
            f"character U+{code:04X} is a line break in YAML 1.1 but not in YAML 1.2, so "
            "readers disagree on this file; remove it, or write it as the escape "
            f"\\u{code:04x} in a double-quoted string",
            lines.position(odd_break.start()),
        )
    try:
        loader = _Loader(text)  # PyYAML's own reader checks the characters here already
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        position = lines.position(mark.index) if mark is not None else Position(1, 1)
        if "expected a single document" in str(error.context or ""):
            raise _Refused(
                "AG009",
                "found a second YAML document ('---'); expected exactly one spec",
                position,
            ) from None
        problem = " ".join(
            " ".join(str(part).split())
            for part in (error.context, error.problem)
            if part
        )
        raise _Refused("AG002", f"invalid YAML: {problem}", position) from None
    except yaml.reader.ReaderError as error:  # characters YAML does not allow
        character = error.character
        code = character if isinstance(character, int) else ord(character)
        index = error.position
        # libyaml counts this position in bytes (its marks count characters).
        if issubclass(_Loader, _CParser):
            index = len(text.encode("utf-8")[:index].decode("utf-8", "ignore"))
        raise _Refused(
            "AG002",
            f"invalid YAML: character U+{code:04X} is not allowed ({error.reason})",
            lines.position(index),
        ) from None
    except yaml.YAMLError as error:
        raise _Refused(
            "AG002", f"invalid YAML: {' '.join(str(error).split())}", Position(1, 1)
        ) from None
    if root is None:
        return None, SourceMap({}, {})
    converter = _YamlConverter(lines)
    return converter.convert(root, (), 0), converter.source_map()


class _YamlConverter(_Recorder):
    """Turns a composed YAML node graph into plain data, refusing anything but plain data."""

    def __init__(self, lines: _Lines) -> None:
        super().__init__()
        self.lines = lines
        self.active: set[int] = set()
        self.owned: set[Span] = set()

    def position(self, node: yaml.Node) -> Position:
        return self.lines.position(node.start_mark.index)

    def convert(self, node: yaml.Node, loc: Loc, depth: int) -> Any:
        position = self.position(node)
        self.enter(loc, position, depth)
        implicit = node.tag.startswith(_IMPLICIT)
        tag = node.tag.removeprefix(_IMPLICIT)
        if isinstance(node, yaml.ScalarNode):
            if tag not in _SCALAR_TAGS:
                raise _Refused("AG007", _tag_message(tag), position)
            # An alias's value is written at its anchor: the first place it is seen owns it.
            span = (node.start_mark.index, node.end_mark.index)
            if span not in self.owned:
                self.owned.add(span)
                self.value_spans[loc] = span
            _check_text(node.value, position)
            if implicit and not node.style:  # plain: None (PyYAML) or "" (libyaml)
                return _plain_scalar(node.value, tag, position)
            return _tagged_scalar(node.value, tag, position)
        if id(node) in self.active:
            raise _Refused(
                "AG002",
                "invalid YAML: an alias refers to a node containing it",
                position,
            )
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode) and tag == _SEQ_TAG:
                return [
                    self.convert(item, (*loc, i), depth + 1)
                    for i, item in enumerate(node.value)
                ]
            if isinstance(node, yaml.MappingNode) and tag == _MAP_TAG:
                return self.mapping(node, loc, depth)
        finally:
            self.active.discard(id(node))
        raise _Refused("AG007", _tag_message(tag), position)

    def mapping(self, node: yaml.MappingNode, loc: Loc, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_position = self.position(key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(
                    "AG005",
                    "found a mapping or sequence used as a key; expected a name",
                    key_position,
                )
            if not key_node.tag.startswith(_IMPLICIT):
                raise _Refused(
                    "AG007",
                    f"a YAML tag ('{printable(_short_tag(key_node.tag))}') on a key; "
                    "keys are plain names",
                    key_position,
                )
            # A key is its literal text: 'on:' is the key "on", not the boolean true.
            key = str(key_node.value)
            _check_text(key, key_position)
            child = self.add_key(result, loc, key, key_position)
            span = (key_node.start_mark.index, key_node.end_mark.index)
            if span not in self.owned:
                self.owned.add(span)
                self.key_spans[child] = span
            result[key] = self.convert(value_node, child, depth + 1)
        return result


# YAML 1.1 (PyYAML) and YAML 1.2 (the core schema) read some unquoted numbers differently:
# '0224' is octal 148 in 1.1 and 224 in 1.2, '6:4' is 364 in 1.1 and text in 1.2, '1_000' is
# 1000 in 1.1 and text in 1.2, '0o17' and '1e3' are text in 1.1 and numbers in 1.2. archgen
# accepts a number only when both read it alike, and otherwise says how to write it.
_CORE_INT = re.compile(r"[-+]?[0-9]+\Z|0o[0-7]+\Z|0x[0-9a-fA-F]+\Z")
_CORE_FLOAT = re.compile(
    r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z"
    r"|[-+]?\.(inf|Inf|INF)\Z|\.(nan|NaN|NAN)\Z"
)
_CORE_BOOL = {"true": True, "True": True, "TRUE": True}
_CORE_BOOL.update({"false": False, "False": False, "FALSE": False})
_CORE_NULL = {"", "~", "null", "Null", "NULL"}
_YAML11_BOOL = yaml.constructor.SafeConstructor.bool_values
_TEXT = object()
"""The reading of a scalar as text, in :func:`_core_reading` and :func:`_yaml11_reading`."""


def _core_int(text: str) -> int:
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _core_float(text: str) -> float:
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return -math.inf if lowered.startswith("-") else math.inf
    if lowered == ".nan":
        return math.nan
    return float(text)


def _core_reading(text: str, tag: str | None = None) -> object:
    """The value YAML 1.2's core schema gives ``text``, read as ``tag`` or resolved if None."""
    if tag in (None, _INT) and _CORE_INT.match(text):
        return _core_int(text)
    if tag in (None, _FLOAT) and _CORE_FLOAT.match(text):
        return _core_float(text)
    if tag == _FLOAT and _CORE_INT.match(text):
        return float(_core_int(text))
    if tag is None and text in _CORE_BOOL:
        return _CORE_BOOL[text]
    if tag is None and text in _CORE_NULL:
        return None
    return _TEXT


def _yaml11_reading(text: str, tag: str) -> object:
    """The number PyYAML gives ``text`` under ``tag`` (int or float); _TEXT when it cannot."""
    constructor = yaml.constructor.SafeConstructor()
    node = yaml.ScalarNode(tag, text)
    try:
        if tag == _INT:
            return constructor.construct_yaml_int(node)
        return constructor.construct_yaml_float(node)
    except Exception:  # ValueError, IndexError: whatever PyYAML raises, it is no number
        return _TEXT


def _same(one: object, other: object) -> bool:
    if isinstance(one, float) and isinstance(other, float):
        return one == other or (math.isnan(one) and math.isnan(other))
    return type(one) is type(other) and one == other


def _number_text(value: object) -> str:
    """``value`` written so that YAML 1.1 and 1.2 both read it back as that number."""
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value == math.inf else "-.inf"
        mantissa, _, exponent = repr(value).partition("e")
        if "." not in mantissa:
            mantissa += ".0"
        return f"{mantissa}e{exponent}" if exponent else mantissa
    return str(value)


def _check_length(text: str, position: Position) -> None:
    if len(text) > limits.MAX_NUMBER_LENGTH:
        raise _Refused(
            "AG008",
            f"a number of {len(text):,} characters; archgen reads numbers of at most "
            f"{limits.MAX_NUMBER_LENGTH:,}",
            position,
        )


def _disagreement(
    text: str, old: object, new: object, position: Position, tag: str | None = None
) -> _Refused:
    """``text`` reads as ``old`` in YAML 1.1 and ``new`` in 1.2; ``tag`` when it was explicit."""

    def reading(value: object) -> str:
        if value is not _TEXT:
            return _number_text(value)
        return "text" if tag is None else f"not a valid {_tag_name(tag)}"

    numbers = [_number_text(v) for v in (old, new) if v is not _TEXT]
    advice = f"write {' or '.join(numbers)}"
    if len(numbers) == 2:
        advice += ", whichever you mean"
    if _TEXT in (old, new) and tag is None:
        advice += ", or quote it to mean the text"
    return _Refused(
        "AG104",
        f"'{printable(_clip(text))}' is {reading(old)} in YAML 1.1 but {reading(new)} in "
        f"YAML 1.2; {advice}",
        position,
    )


def _plain_scalar(text: str, tag: str, position: Position) -> Any:
    """An unquoted, untagged scalar, as PyYAML resolved it (``tag``), checked against YAML 1.2."""
    if tag == _BOOL:  # yes/no/on/off: YAML 1.1 booleans, read as such
        return _YAML11_BOOL[text.lower()]
    if tag == _NULL:
        return None
    core_number = bool(_CORE_INT.match(text) or _CORE_FLOAT.match(text))
    if tag == _STR and not core_number:
        return text
    _check_length(text, position)  # before any conversion: int() of 5,000 digits raises
    core = _core_reading(text) if core_number else _TEXT
    old = _TEXT if tag == _STR else _yaml11_reading(text, tag)
    if _same(old, core):
        return core
    raise _disagreement(text, old, core, position)


def _tagged_scalar(text: str, tag: str, position: Position) -> Any:
    """A quoted or block scalar, or one with an explicit tag such as ``!!int``."""
    if tag == _STR:
        return text
    if tag == _NULL and text in _CORE_NULL:
        return None
    if tag == _BOOL and text.lower() in _YAML11_BOOL:
        return _YAML11_BOOL[text.lower()]
    if tag in (_INT, _FLOAT):
        _check_length(text, position)
        old, core = _yaml11_reading(text, tag), _core_reading(text, tag)
        if old is _TEXT and core is _TEXT:
            return _invalid(text, tag, position)
        if _same(old, core):
            return core
        raise _disagreement(text, old, core, position, tag)
    return _invalid(text, tag, position)


def _invalid(text: str, tag: str, position: Position) -> Any:
    raise _Refused(
        "AG103",
        f"'{printable(_clip(text))}' is not a valid {_tag_name(tag)}",
        position,
    )


def _clip(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _tag_name(tag: str) -> str:
    """``int`` for YAML's ``tag:yaml.org,2002:int``: the scalar tags archgen reads."""
    return tag.removeprefix(_YAML)


def _short_tag(tag: str) -> str:
    """A tag as it is written: ``!!binary``, ``!custom`` (never one the resolver gave)."""
    return tag.replace(_YAML, "!!")


def _tag_message(tag: str) -> str:
    short = _short_tag(tag)
    hint = "; quote the value to make it a string" if short == "!!timestamp" else ""
    return (
        f"unsupported YAML tag '{printable(short)}'{hint}; specs hold only strings, numbers, "
        "booleans, null, mappings and sequences"
    )


# --- JSON ----------------------------------------------------------------------------------------


class _BadNumber(Exception):
    """A JSON number archgen does not convert; its text is the one argument."""


def _refuse_constant(text: str) -> Any:
    raise _BadNumber(text)


def _checked_int(text: str) -> int:
    if len(text) > limits.MAX_NUMBER_LENGTH:
        raise _BadNumber(text)
    return int(text)


def _checked_float(text: str) -> float:
    if len(text) > limits.MAX_NUMBER_LENGTH:
        raise _BadNumber(text)
    return float(text)


def _placeholder(_: str) -> int:
    return 0


def _parse_json(text: str, lines: _Lines) -> tuple[Any, SourceMap]:
    if not text.strip():
        return None, SourceMap({}, {})
    try:
        # Syntax only: numbers are converted (and checked) by the reader below, where their
        # positions are known.
        json.loads(
            text,
            parse_int=_placeholder,
            parse_float=_placeholder,
            parse_constant=_placeholder,
        )
    except json.JSONDecodeError as error:
        raise _Refused(
            "AG002",
            f"invalid JSON: {error.msg}",
            lines.position(error.pos),
        ) from None
    reader = _JsonReader(text, lines)
    return reader.value(0, (), 0)[0], reader.source_map()


class _JsonReader(_Recorder):
    """Re-reads JSON already known to be valid, recording the position of each key and value."""

    _WHITESPACE = " \t\n\r"

    def __init__(self, text: str, lines: _Lines) -> None:
        super().__init__()
        self.text = text
        self.lines = lines
        self.decoder = json.JSONDecoder(
            parse_int=_checked_int,
            parse_float=_checked_float,
            parse_constant=_refuse_constant,
        )

    def position(self, index: int) -> Position:
        return self.lines.position(index)

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
        try:
            value, end = self.string(*self.decoder.raw_decode(self.text, index), index)
            self.value_spans[loc] = (index, end)
            return value, end
        except _BadNumber as bad:  # a number too long to convert, or NaN or [-]Infinity
            position = self.position(index)
            (text,) = bad.args
            _check_length(text, position)
            raise _Refused(
                "AG002", f"invalid JSON: {text} is not a JSON value", position
            ) from None

    def string(self, value: Any, end: int, start: int) -> tuple[Any, int]:
        if isinstance(value, str):
            _check_text(value, self.position(start))
        return value, end

    def obj(self, index: int, loc: Loc, depth: int) -> tuple[dict[str, Any], int]:
        result: dict[str, Any] = {}
        index = self.skip(index)
        while self.text[index] != "}":
            key_position, start = self.position(index), index
            key, index = self.string(*self.decoder.raw_decode(self.text, index), index)
            child = self.add_key(result, loc, key, key_position)
            self.key_spans[child] = (start, index)
            index = self.skip(self.skip(index) + 1)  # past the colon
            result[key], index = self.value(index, child, depth + 1)
            index = self.skip(index)
            if self.text[index] == ",":
                index = self.skip(index + 1)
        return result, index + 1
