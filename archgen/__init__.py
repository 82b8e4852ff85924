"""archgen: compile declarative specs of residual CNN families into standalone PyTorch modules.

The pipeline runs in one direction and never imports torch:

    source (load, keeping positions) -> spec (validate) -> plan (lower) -> rules / complexity /
    render -> output (write)
"""

__version__ = "0.1.0"
