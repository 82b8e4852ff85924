"""Hard limits on what a spec may ask for.

A spec is untrusted input. These bounds are enforced while loading and validating, long before
anything is allocated, so that an absurd or hostile spec is refused with a message instead of
exhausting memory or time. Every limit is documented in the README.
"""

MAX_FILE_BYTES = 1 << 20
"""A spec file larger than 1 MiB is refused unread."""

MAX_NODES = 10_000
"""YAML/JSON nodes after alias expansion; stops alias-expansion ("billion laughs") bombs."""

MAX_DEPTH = 32
"""Nesting depth of mappings and sequences."""

MAX_STAGES = 16
MAX_BLOCKS_PER_STAGE = 1_000
MAX_CHANNELS = 65_536
"""Any channel count or width: input channels, stem width, planes, widths, output channels."""

MAX_IMAGE_SIZE = 8_192
MAX_CLASSES = 1_000_000
MAX_STRIDE = 4
MAX_KERNEL_SIZE = 15
MAX_DILATION = 1_024
"""Dilation a stage reaches by replacing strides (``output_stride``, ``dilate``)."""
MAX_NAME_LENGTH = 64
MAX_DESCRIPTION_LENGTH = 20_000
MAX_NUMBER_LENGTH = 100
"""Characters of one number as written; a longer one is refused before it is converted."""
MAX_BRANCHES = 16
"""Parts a block's channels split into (Res2Net's scale), branches of a selective kernel and
radix of split attention."""
