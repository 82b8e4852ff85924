"""Generated torchvision-layout backbones in torchvision's detection and segmentation code:
``_resnet_fpn_extractor`` (which reads ``inplanes``) and ``FasterRCNN``,
``IntermediateLayerGetter`` and ``DeepLabV3``, ``create_feature_extractor``. Each trains a
step (finite losses, gradients reaching the backbone) and equals torchvision's own model with
the same weights."""

from __future__ import annotations

import torch
from torchvision.models._utils import IntermediateLayerGetter
from torchvision.models.detection import FasterRCNN
from torchvision.models.detection.backbone_utils import (
    _resnet_fpn_extractor,
    resnet_fpn_backbone,
)
from torchvision.models.feature_extraction import create_feature_extractor
from torchvision.models.segmentation import deeplabv3_resnet50
from torchvision.models.segmentation.deeplabv3 import DeepLabHead, DeepLabV3

import archgen

G = torch.Generator().manual_seed(0)
IMAGES = [torch.rand(3, 64, 80, generator=G), torch.rand(3, 72, 64, generator=G)]
TARGETS = [
    {"boxes": torch.tensor([[4.0, 6.0, 40.0, 50.0]]), "labels": torch.tensor([1])},
    {
        "boxes": torch.tensor([[10.0, 8.0, 60.0, 44.0], [2.0, 2.0, 20.0, 30.0]]),
        "labels": torch.tensor([2, 1]),
    },
]


def test_faster_rcnn_trains_and_evaluates_on_a_generated_resnet50_fpn_backbone() -> (
    None
):
    body = archgen.create_model(
        "resnet50", num_classes=0, norm={"type": "frozen_batch"}
    )
    assert body.inplanes == 2048 and body.layer1[0].expansion == 4
    backbone = _resnet_fpn_extractor(body, trainable_layers=3)
    reference = resnet_fpn_backbone(
        backbone_name="resnet50", weights=None, trainable_layers=3
    )
    reference.load_state_dict(backbone.state_dict())  # strict: the same names
    assert [n for n, p in backbone.named_parameters() if p.requires_grad] == [
        n for n, p in reference.named_parameters() if p.requires_grad
    ]
    x = torch.rand(1, 3, 64, 64, generator=G)
    with torch.no_grad():
        ours, theirs = backbone.eval()(x), reference.eval()(x)
    assert list(ours) == list(theirs) == ["0", "1", "2", "3", "pool"]
    for key in ours:
        torch.testing.assert_close(ours[key], theirs[key])

    model = FasterRCNN(backbone, num_classes=3, min_size=64, max_size=96).train()
    losses = model(IMAGES, TARGETS)
    assert set(losses) == {
        "loss_classifier",
        "loss_box_reg",
        "loss_objectness",
        "loss_rpn_box_reg",
    }
    assert all(torch.isfinite(loss) for loss in losses.values())
    sum(losses.values()).backward()
    grad = body.layer4[0].conv2.weight.grad
    assert grad is not None and grad.abs().sum() > 0
    assert body.conv1.weight.grad is None  # frozen, as torchvision freezes it
    assert body.layer1[0].conv1.weight.grad is None
    with torch.no_grad():
        detections = model.eval()(IMAGES)
    assert len(detections) == 2
    assert all(set(d) == {"boxes", "labels", "scores"} for d in detections)


def test_deeplabv3_trains_on_a_generated_output_stride_8_backbone() -> None:
    body = archgen.create_model("resnet50", num_classes=0, output_stride=8)
    model = DeepLabV3(
        IntermediateLayerGetter(body, {"layer4": "out"}), DeepLabHead(2048, 3)
    )
    reference = deeplabv3_resnet50(
        weights=None, weights_backbone=None, num_classes=3, aux_loss=False
    )
    x = torch.rand(2, 3, 64, 64, generator=G)
    target = torch.randint(0, 3, (2, 64, 64), generator=G)
    model.train()
    out = model(x)["out"]
    assert out.shape == (2, 3, 64, 64)
    loss = torch.nn.functional.cross_entropy(out, target)
    assert torch.isfinite(loss)
    loss.backward()
    grad = body.layer4[2].conv2.weight.grad
    assert grad is not None and grad.abs().sum() > 0
    assert body.layer4[2].conv2.dilation == (4, 4)
    # the step changed the batch-norm statistics: torchvision's model gets them too
    reference.load_state_dict(model.state_dict())  # strict: the same names
    with torch.no_grad():
        torch.testing.assert_close(model.eval()(x)["out"], reference.eval()(x)["out"])


def test_create_feature_extractor_traces_a_generated_model() -> None:
    model = archgen.create_model("resnet18").eval()
    extractor = create_feature_extractor(model, {"layer2": "c3", "layer4": "c5"})
    x = torch.rand(1, 3, 64, 64, generator=G)
    with torch.no_grad():
        found = extractor(x)
        expected = model.forward_intermediates(
            x, indices=[2, 4], intermediates_only=True
        )
    torch.testing.assert_close(found["c3"], expected[0])
    torch.testing.assert_close(found["c5"], expected[1])
