"""The linter's rules: rule objects that own their codes, in three rule sets.

:mod:`archgen.rules.base` defines what a rule is (its codes, explanation, examples, fixes, and
check); the rule sets are :mod:`.structural` (AG2xx, every spec), :mod:`.resnext` (AG3xx and
AG4xx, the ResNeXt design space) and :mod:`.anynet` (AG5xx, the AnyNet and RegNet design
spaces); :mod:`.registry` holds them all and runs them. This package module imports nothing, so
that importing a rule set never runs another one.
"""
