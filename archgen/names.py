"""Names a spec may not give its module, builder or model class.

A spec's ``name`` becomes a module-level function of the generated file and its ``class_name`` a
module-level class. Either would shadow, inside that file, anything else of the same name: the
model class the builder returns, a block class, an import, a parameter of one of the generated
functions, or a builtin the generated code calls (``super``, ``range``, ``isinstance``). The
module would then recurse, raise or fail to script. :data:`RESERVED_NAMES` is every such name.

The set is written out here rather than read from the running interpreter, so that a spec is
accepted or refused the same way on every supported Python (3.10 and newer): it holds the
keywords, soft keywords and builtins of Python 3.10 to 3.13, and every name that the generated
module defines, imports or uses as a parameter, now or in templates being written. The tests
parse every generated module and fail when it uses a top-level or parameter name not listed here.
"""

from __future__ import annotations

import re

from archgen.recipes import ATTENTIONS, BLOCKS, NORMS, SHORTCUTS

KEYWORDS = frozenset(
    {
        "False",
        "None",
        "True",
        "and",
        "as",
        "assert",
        "async",
        "await",
        "break",
        "class",
        "continue",
        "def",
        "del",
        "elif",
        "else",
        "except",
        "finally",
        "for",
        "from",
        "global",
        "if",
        "import",
        "in",
        "is",
        "lambda",
        "nonlocal",
        "not",
        "or",
        "pass",
        "raise",
        "return",
        "try",
        "while",
        "with",
        "yield",
    }
)
"""``keyword.kwlist`` of Python 3.10 to 3.13 (the same list in each)."""

SOFT_KEYWORDS = frozenset({"_", "case", "match", "type"})
"""``keyword.softkwlist`` of Python 3.10 to 3.13 (``type`` since 3.12)."""

BUILTINS = frozenset(
    {
        # exceptions and warnings
        "ArithmeticError",
        "AssertionError",
        "AttributeError",
        "BaseException",
        "BaseExceptionGroup",  # 3.11
        "BlockingIOError",
        "BrokenPipeError",
        "BufferError",
        "BytesWarning",
        "ChildProcessError",
        "ConnectionAbortedError",
        "ConnectionError",
        "ConnectionRefusedError",
        "ConnectionResetError",
        "DeprecationWarning",
        "EOFError",
        "EncodingWarning",  # 3.10
        "EnvironmentError",
        "Exception",
        "ExceptionGroup",  # 3.11
        "FileExistsError",
        "FileNotFoundError",
        "FloatingPointError",
        "FutureWarning",
        "GeneratorExit",
        "IOError",
        "ImportError",
        "ImportWarning",
        "IndentationError",
        "IndexError",
        "InterruptedError",
        "IsADirectoryError",
        "KeyError",
        "KeyboardInterrupt",
        "LookupError",
        "MemoryError",
        "ModuleNotFoundError",
        "NameError",
        "NotADirectoryError",
        "NotImplementedError",
        "OSError",
        "OverflowError",
        "PendingDeprecationWarning",
        "PermissionError",
        "ProcessLookupError",
        "PythonFinalizationError",  # 3.13
        "RecursionError",
        "ReferenceError",
        "ResourceWarning",
        "RuntimeError",
        "RuntimeWarning",
        "StopAsyncIteration",
        "StopIteration",
        "SyntaxError",
        "SyntaxWarning",
        "SystemError",
        "SystemExit",
        "TabError",
        "TimeoutError",
        "TypeError",
        "UnboundLocalError",
        "UnicodeDecodeError",
        "UnicodeEncodeError",
        "UnicodeError",
        "UnicodeTranslateError",
        "UnicodeWarning",
        "UserWarning",
        "ValueError",
        "Warning",
        "WindowsError",  # Windows only
        "ZeroDivisionError",
        "_IncompleteInputError",  # 3.13
        # constants
        "Ellipsis",
        "False",
        "None",
        "NotImplemented",
        "True",
        "__debug__",
        # module attributes of builtins
        "__build_class__",
        "__doc__",
        "__import__",
        "__loader__",
        "__name__",
        "__package__",
        "__spec__",
        # functions and types
        "abs",
        "aiter",  # 3.10
        "all",
        "anext",  # 3.10
        "any",
        "ascii",
        "bin",
        "bool",
        "breakpoint",
        "bytearray",
        "bytes",
        "callable",
        "chr",
        "classmethod",
        "compile",
        "complex",
        "delattr",
        "dict",
        "dir",
        "divmod",
        "enumerate",
        "eval",
        "exec",
        "filter",
        "float",
        "format",
        "frozenset",
        "getattr",
        "globals",
        "hasattr",
        "hash",
        "hex",
        "id",
        "input",
        "int",
        "isinstance",
        "issubclass",
        "iter",
        "len",
        "list",
        "locals",
        "map",
        "max",
        "memoryview",
        "min",
        "next",
        "object",
        "oct",
        "open",
        "ord",
        "pow",
        "print",
        "property",
        "range",
        "repr",
        "reversed",
        "round",
        "set",
        "setattr",
        "slice",
        "sorted",
        "staticmethod",
        "str",
        "sum",
        "super",
        "tuple",
        "type",
        "vars",
        "zip",
        # added by the site module
        "copyright",
        "credits",
        "exit",
        "help",
        "license",
        "quit",
    }
)
"""``dir(builtins)`` of Python 3.10 to 3.13, with the names the ``site`` module adds."""

MODULE_NAMES: dict[str, str] = {
    # imports
    "torch": "a module the generated code imports",
    "nn": "a module the generated code imports",
    "F": "a module the generated code imports (torch.nn.functional)",
    "math": "a module the generated code imports",
    "typing": "a module the generated code imports",
    "Tensor": "a type the generated code imports",
    "List": "a type the generated code imports",
    "Optional": "a type the generated code imports",
    "Tuple": "a type the generated code imports",
    "OrderedDict": "a type the generated code imports",
    "collections": "a module the generated code imports",
    "stage": "a function the generated module defines",
    "Stage": "a class the generated module defines",
    "StdConv2d": "a class the generated module defines",
    "DropPath": "a class the generated module defines",
    "ConvNormAct": "a class the generated module defines",
    "fuse_conv_bn": "a function the generated module defines",
    "take_indices": "a function the generated module defines",
    # what the component records define (archgen.recipes)
    **dict.fromkeys(
        (block.class_name for block in BLOCKS.values()),
        "a block class the generated module defines",
    ),
    **dict.fromkeys(
        (record.class_name for record in ATTENTIONS.values()),
        "a class the generated module defines",
    ),
    **dict.fromkeys(
        (r.torch_class for r in NORMS.values() if r.helper is not None),
        "a class the generated module defines",
    ),
    **dict.fromkeys(
        (shortcut.function for shortcut in SHORTCUTS.values()),
        "a function the generated module defines",
    ),
}
"""Top-level names of generated modules other than the spec's own, with what each one is."""

PARAMETER_NAMES = frozenset(
    {
        "self",
        "x",
        "m",
        "block",
        "in_channels",
        "channels",
        "width",
        "out_channels",
        "stride",
        "groups",
        "dilation",
        "project",
        "num_classes",
        "zero_init_residual",
        "drop_rate",
        "drop_path_rate",
        "indices",
        "norm",
        "stop_early",
        "output_fmt",
        "intermediates_only",
        "prune_norm",
        "prune_head",
        "global_pool",
        "count",
        "take",
        "last",
        "stop",
        "maps",
        "downsample",
        "pre_logits",
        "first_dilation",
        "index",
        "padding",
        "drop_path",
        "reduced",
        "kernel_size",
        "rate",
        "eps",
        "state",
        "prefix",
        "conv",
        "bn",
        "blocks",
        "b",
        "args",
        "kwargs",
    }
)
"""Parameter names of the generated functions; inside them, each hides a global of that name."""

PARAMETER_NAMES |= {r.param for r in ATTENTIONS.values() if r.param is not None}

RESERVED_NAMES = frozenset(
    KEYWORDS | SOFT_KEYWORDS | BUILTINS | MODULE_NAMES.keys() | PARAMETER_NAMES
)
"""Every name a spec's ``name`` or ``class_name`` may not be (compared case-sensitively)."""


VARIANT = re.compile(
    "({})[0-9]+|({})_[0-9]+".format(
        "|".join(block.class_name for block in BLOCKS.values()),
        "|".join(shortcut.function for shortcut in SHORTCUTS.values()),
    )
)
"""A network whose blocks or shortcuts take several shapes numbers the later ones:
``Bottleneck2``, ``projection_2``."""


def why_reserved(name: str) -> str | None:
    """Why ``name`` cannot name a generated module's builder or class; None when it can."""
    if VARIANT.fullmatch(name):
        return "is the name of a block class or shortcut function the generated module may define"
    if name in KEYWORDS:
        return "is a Python keyword"
    if name in SOFT_KEYWORDS:
        return "is a Python soft keyword"
    if name in MODULE_NAMES:
        return f"is {MODULE_NAMES[name]}"
    if name in PARAMETER_NAMES:
        return (
            "is a parameter name in the generated code, where it would hide "
            "the builder or the model class"
        )
    if name in BUILTINS:
        return "is a Python builtin, which the generated code would no longer reach"
    return None
