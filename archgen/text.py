"""User text on a terminal: every finding stays one line and runs no escape sequence.

Keys, values and file names come from the user. Printed raw, an ESC or CSI would be a terminal
escape sequence, a BEL would ring, a \\r or a line separator would break or overwrite the line
(``path:line:col: CODE message`` must stay one line per finding), and a bidi control would
reorder what is shown. :func:`printable` escapes exactly those characters, Python-style, from a
fixed list, so the result does not depend on the Unicode database of the running Python.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(
    "["
    "\x00-\x1f\x7f-\x9f"  # C0 controls (tab, newline, CR, BEL, ESC, ...), DEL, C1 (NEL, CSI)
    "\u00ad\u061c\u180e"  # soft hyphen, Arabic letter mark, Mongolian vowel separator
    "\u200b-\u200f"  # zero-width space/joiners, left-to-right and right-to-left marks
    "\u2028-\u202e"  # line and paragraph separators, bidi embeddings and overrides
    "\u2060-\u206f"  # word joiner, invisible operators, bidi isolates, deprecated formats
    "\ufeff\ufff9-\ufffb"  # zero-width no-break space (BOM), interlinear annotations
    "\ud800-\udfff"  # lone surrogates (undecodable file names): not encodable on output
    "\U000e0000-\U000e007f"  # tag characters
    "]"
)
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` with control, separator, bidi and invisible formatting characters escaped.

    Other characters, including non-ASCII letters, pass unchanged; escaping twice changes
    nothing more, since an escape is printable ASCII.
    """
    return _UNSAFE.sub(_escape, text)
