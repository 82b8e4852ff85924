"""Generated modules train unchanged under DistributedDataParallel (two CPU processes, gloo)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MINIMAL, run_cli, write_spec

WORKER = r"""
import sys
import importlib.util
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel

MODULE, STORE, OUT = sys.argv[1], sys.argv[2], sys.argv[3]


def load():
    spec = importlib.util.spec_from_file_location("tiny", MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(rank, world):
    dist.init_process_group("gloo", init_method=f"file://{STORE}", rank=rank, world_size=world)
    torch.manual_seed(0)  # the same initial weights; DDP also broadcasts rank 0's
    model = DistributedDataParallel(load().tiny())
    initial = {k: v.clone() for k, v in model.module.state_dict().items()}
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    generator = torch.Generator().manual_seed(100 + rank)  # each rank sees different data
    x = torch.randn(4, 3, 32, 32, generator=generator)
    y = torch.randint(0, 10, (4,), generator=generator)
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    state = model.module.state_dict()
    changed = any(not torch.equal(state[k], initial[k]) for k in state if "weight" in k)
    torch.save({"state": state, "changed": changed}, f"{OUT}/rank{rank}.pt")
    dist.destroy_process_group()


if __name__ == "__main__":
    mp.spawn(run, args=(2,), nprocs=2, join=True)
"""


@pytest.mark.slow
def test_one_ddp_step_leaves_both_ranks_with_identical_weights(cli_in: Path) -> None:
    import torch

    spec = write_spec(cli_in, MINIMAL)
    assert run_cli("build", spec, "-o", "out").code == 0
    (cli_in / "worker.py").write_text(WORKER)
    result = subprocess.run(
        [
            sys.executable,
            "worker.py",
            str(cli_in / "out" / "tiny.py"),
            str(cli_in / "store"),
            str(cli_in),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cli_in,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    ranks = [torch.load(cli_in / f"rank{rank}.pt") for rank in range(2)]
    assert ranks[0]["changed"] and ranks[1]["changed"]
    parameters = [
        key
        for key in ranks[0]["state"]
        if "running" not in key and "num_batches" not in key
    ]
    for key in parameters:
        assert torch.equal(ranks[0]["state"][key], ranks[1]["state"][key]), key
    # Batch-norm running statistics are per rank (plain BatchNorm2d), so they differ: proof
    # that the ranks really saw different data.
    assert not torch.equal(
        ranks[0]["state"]["bn1.running_mean"], ranks[1]["state"]["bn1.running_mean"]
    )
