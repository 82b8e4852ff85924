"""A griffe extension for the API reference: archgen's docstrings use Sphinx roles
(``:class:`Spec```, ``:func:`archgen.service.blocking```) and reST literals (````x````); the
reference shows them as code (``Spec``), as the text reads in a terminal's ``help()``."""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj):`~?([^`]+)`")
_LITERAL = re.compile(r"``([^`]+)``")


class SphinxRoles(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            text = _ROLE.sub(r"`\1`", obj.docstring.value)
            obj.docstring.value = _LITERAL.sub(r"`\1`", text)
