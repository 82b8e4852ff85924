"""A generated model against its reference implementation, in one process, interleaved.

The generated model is built from its spec with the API (``archgen.build_model``); the reference
is torchvision's model of the same name for specs with torchvision's layout, timm's
(``timm.create_model(name)``) for specs with timm's. The generated model takes the reference's
weights (``strict=True``) and must give its outputs before anything is timed.

Variants, each timed for both models:

* ``eager``: forward in eval mode under ``torch.inference_mode``;
* ``train step``: forward, cross-entropy, backward and an SGD step, in train mode;
* ``fused``: every BatchNorm folded into the convolution before it (:func:`fuse_model`);
* ``fused+CL``: fused, with weights and input in ``channels_last`` memory format;
* ``scripted``: ``torch.jit.script`` of the eval model (TorchScript), under ``inference_mode``;
* ``compiled``: ``torch.compile`` of the eval model (inductor), where it works;
* ``onnxruntime``: the eval model exported with ``torch.onnx.export(..., dynamo=True)`` and run by
  onnxruntime on the CPU (float32 on the CPU only; skipped with ``--no-onnx``).

Every repeat runs each variant of both models once, alternating which goes first; the table
shows median times, the median ratio generated / reference of each variant, and each time over
the reference's eager forward.

    python benchmarks/bench_models.py --model resnet50 --batch 8 --threads 2 \\
        --device cpu|cuda --dtype float32|bfloat16 --repeats 5 --image-size 224 [--no-compile] \\
        [--no-onnx]
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.fx import Node, symbolic_trace
from torch.nn.utils.fusion import fuse_conv_bn_eval

import archgen

Step = Callable[[], object]


def fuse_model(model: nn.Module) -> nn.Module:
    """``model`` in eval mode with every BatchNorm folded into the convolution that feeds it.

    Calls ``model.fuse()`` when the model has one (generated models will); otherwise traces the
    model with torch.fx and folds each ``Conv2d -> BatchNorm2d`` pair in which the convolution's
    output goes only to that norm, with ``torch.nn.utils.fusion.fuse_conv_bn_eval``. The folded
    norm becomes ``nn.Identity``; the model keeps its class and methods. Changes ``model`` and
    returns it.
    """
    fuse = getattr(model, "fuse", None)
    if callable(fuse):
        fused = fuse()
        assert isinstance(fused, nn.Module)
        return fused
    model.eval()
    graph = symbolic_trace(model).graph
    modules = dict(model.named_modules())
    calls: dict[str, int] = {}
    for node in graph.nodes:
        if node.op == "call_module":
            calls[str(node.target)] = calls.get(str(node.target), 0) + 1
    for node in graph.nodes:
        norm = modules.get(str(node.target)) if node.op == "call_module" else None
        if type(norm) is not nn.BatchNorm2d or calls[str(node.target)] != 1:
            continue
        source = node.args[0]
        if not (isinstance(source, Node) and source.op == "call_module"):
            continue
        conv = modules[str(source.target)]
        if not (
            type(conv) is nn.Conv2d
            and len(source.users) == 1
            and calls[str(source.target)] == 1
        ):
            continue
        assert isinstance(norm, nn.BatchNorm2d)
        model.set_submodule(str(source.target), fuse_conv_bn_eval(conv, norm))
        model.set_submodule(str(node.target), nn.Identity())
    return model


def reference_model(name: str, layout: str) -> nn.Module:
    """torchvision's or timm's model of the spec's name, randomly initialised."""
    if layout == "timm":
        import timm

        model = timm.create_model(name, pretrained=False)
        assert isinstance(model, nn.Module)
        return model
    import torchvision

    if name not in torchvision.models.list_models(torchvision.models):
        raise SystemExit(
            f"bench_models: torchvision has no model '{name}' to compare spec '{name}' with"
        )
    return torchvision.models.get_model(name, weights=None)


@dataclass
class Variant:
    name: str
    steps: dict[str, Step]
    times: dict[str, list[float]] = field(default_factory=dict)


def timed(step: Step, device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start


def inference(model: nn.Module, x: torch.Tensor) -> Step:
    def step() -> object:
        with torch.inference_mode():
            return model(x)

    return step


def onnx_session(model: nn.Module, x: torch.Tensor, folder: str) -> Step:
    """``model`` exported to ONNX (dynamo exporter) and run by onnxruntime on ``x``."""
    import onnxruntime

    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "model.onnx")
    program = torch.onnx.export(model, (x,), dynamo=True, input_names=["image"])
    assert program is not None
    program.save(path)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    session = onnxruntime.InferenceSession(
        path, options, providers=["CPUExecutionProvider"]
    )
    feed = {"image": x.numpy()}

    def step() -> object:
        return session.run(None, feed)

    return step


def train_step(model: nn.Module, x: torch.Tensor, target: torch.Tensor) -> Step:
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    def step() -> object:
        optimizer.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(model(x).float(), target)
        loss.backward()
        optimizer.step()
        return loss

    return step


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="resnet50", help="a zoo name or a spec path")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--dtype", default="float32", choices=("float32", "bfloat16"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--image-size", type=int, default=None, help="default: the spec's"
    )
    parser.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    parser.add_argument(
        "--no-onnx", action="store_true", help="skip the ONNX Runtime variant"
    )
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    dtype = getattr(torch, args.dtype)
    torch.manual_seed(0)

    spec = archgen.load_spec(args.model)
    plan = spec.plan
    size = args.image_size or plan.image_size
    reference = reference_model(plan.name, plan.layout)
    generated = archgen.build_model(spec)
    generated.load_state_dict(reference.state_dict(), strict=True)
    models = {"reference": reference, "generated": generated}
    for model in models.values():
        model.to(device=device, dtype=dtype).eval()
    x = torch.randn(
        args.batch, plan.in_channels, size, size, device=device, dtype=dtype
    )
    target = torch.randint(0, plan.num_classes, (args.batch,), device=device)
    with torch.inference_mode():
        difference = (generated(x) - reference(x)).abs().max().item()
    if difference != 0:
        print(
            f"warning: eager outputs differ by up to {difference:.3g}", file=sys.stderr
        )

    x_cl = x.contiguous(memory_format=torch.channels_last)
    variants = [
        Variant("eager", {k: inference(m, x) for k, m in models.items()}),
        Variant(
            "train step",
            {k: train_step(copy.deepcopy(m), x, target) for k, m in models.items()},
        ),
        Variant(
            "fused",
            {k: inference(fuse_model(copy.deepcopy(m)), x) for k, m in models.items()},
        ),
        Variant(
            "fused+CL",
            {
                k: inference(
                    fuse_model(copy.deepcopy(m)).to(memory_format=torch.channels_last),
                    x_cl,
                )
                for k, m in models.items()
            },
        ),
    ]
    variants.append(
        Variant(
            "scripted",
            {
                k: inference(torch.jit.script(copy.deepcopy(m)), x)
                for k, m in models.items()
            },
        )
    )
    notes = []
    with torch.inference_mode():
        fused_difference = (variants[2].steps["generated"]() - generated(x)).abs().max()  # type: ignore[operator]
    notes.append(
        f"fused vs eager outputs (generated): max |diff| {fused_difference:.2e}"
    )
    if not args.no_compile:
        compiled: dict[str, Step] = {}
        for key, model in models.items():
            start = time.perf_counter()
            try:
                step = inference(torch.compile(copy.deepcopy(model)), x)
                step()
            except (
                Exception
            ) as error:  # the backend may be missing (no C compiler, ...)
                notes.append(f"torch.compile of the {key} failed: {error!r:.200}")
                break
            compiled[key] = step
            notes.append(
                f"torch.compile of the {key}: {time.perf_counter() - start:.1f} s"
            )
        if len(compiled) == 2:
            variants.append(Variant("compiled", compiled))
    if not args.no_onnx and args.device == "cpu" and args.dtype == "float32":
        import tempfile

        folder = tempfile.mkdtemp(prefix="bench_models_")
        sessions = {
            k: onnx_session(copy.deepcopy(m), x, os.path.join(folder, k))
            for k, m in models.items()
        }
        variants.append(Variant("onnxruntime", sessions))

    for variant in variants:
        for key, step in variant.steps.items():
            for _ in range(args.warmup):
                timed(step, device)
            variant.times[key] = []
    for repeat in range(args.repeats):
        order = (
            ("reference", "generated")
            if repeat % 2 == 0
            else ("generated", "reference")
        )
        for variant in variants:
            for key in order:
                variant.times[key].append(timed(variant.steps[key], device))

    base = statistics.median(variants[0].times["reference"])
    print(
        f"{plan.name}: batch {args.batch}, {plan.in_channels}x{size}x{size}, {args.dtype}, "
        f"{args.device}, {torch.get_num_threads()} threads, {args.repeats} repeats "
        f"(torch {torch.__version__})"
    )
    header = (
        f"{'variant':<11} {'reference ms':>12} {'generated ms':>12} {'gen/ref':>8} "
        f"{'ref/ref-eager':>13} {'gen/ref-eager':>13}"
    )
    print(header)
    print("-" * len(header))
    for variant in variants:
        ref, gen = variant.times["reference"], variant.times["generated"]
        ratio = statistics.median(g / r for g, r in zip(gen, ref, strict=True))
        print(
            f"{variant.name:<11} {statistics.median(ref) * 1e3:>12.1f} "
            f"{statistics.median(gen) * 1e3:>12.1f} {ratio:>8.3f} "
            f"{statistics.median(ref) / base:>13.3f} {statistics.median(gen) / base:>13.3f}"
        )
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
