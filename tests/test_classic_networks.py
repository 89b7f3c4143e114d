"""The classic networks of cards_src/11-经典网络.md, rebuilt by hand from torch.nn layers.

PyTorch is the oracle: every parameter count is `sum(p.numel() for p in m.parameters())` of a
model built on the meta device (shapes only, no memory), every multiply-add count comes from
forward hooks on Conv2d and Linear during one meta forward pass. Each test asserts that the
number PyTorch gives is stated on the card, in its display math or its check block, i.e. where
the checker checks it (digits compared with the separators `{,}`, `\\,` and `,` removed).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pytest

torch = pytest.importorskip("torch", reason="install the test extra: pip install -e '.[test]'")
nn = torch.nn

DECK = Path(__file__).parent.parent / "cards_src" / "11-经典网络.md"


# --- reading the cards -------------------------------------------------------------------------

def card_text(card_id: str) -> str:
    """The source of the card `## … {#card_id …}`: its heading line up to the next `#`/`##` heading."""
    lines = DECK.read_text(encoding="utf-8").splitlines()
    head = re.compile(r"^## .*\{#" + re.escape(card_id) + r"[\s}]")
    starts = [i for i, line in enumerate(lines) if head.match(line)]
    assert len(starts) == 1, f"card {card_id!r} not found exactly once in {DECK.name}"
    body, fence = [], False
    for line in lines[starts[0]:]:
        if line.startswith("```"):
            fence = not fence
        elif body and not fence and re.match(r"^##? ", line):
            break
        body.append(line)
    return "\n".join(body)


def checked_text(card_id: str) -> str:
    """The parts of a card the checker reads: display math `$$…$$` and ```check blocks."""
    text = card_text(card_id)
    display = re.findall(r"\$\$(.+?)\$\$", text, flags=re.S)
    checks = re.findall(r"^```check\n(.*?)^```", text, flags=re.S | re.M)
    return "\n".join(display + checks)


def _plain_digits(text: str) -> str:
    """`61{,}100{,}840`, `61\\,100\\,840` and `61,100,840` all become `61100840`."""
    return re.sub(r"(?<=\d)(?:\{,\}|\\,|,)(?=\d{3}(?!\d))", "", text)


def assert_stated(card_id: str, value: int) -> None:
    numbers = re.findall(r"(?<![\d.])\d+(?![\d.])", _plain_digits(checked_text(card_id)))
    assert str(value) in numbers, (
        f"PyTorch counts {value:,}, but card {card_id!r} does not state it in a checked formula")


def params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def macs(model: nn.Module, shape: tuple[int, ...]) -> dict[str, int]:
    """Multiply-adds of every Conv2d and Linear during one forward pass, keyed by module name."""
    counts: dict[str, int] = {}

    def hook(name: str) -> Callable:
        def count(m: nn.Module, inputs, out) -> None:
            per_sample = out.numel() // out.shape[0]  # outputs (positions × channels) of one image
            if isinstance(m, nn.Conv2d):
                per_output = m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
            else:
                per_output = m.in_features
            counts[name] = counts.get(name, 0) + per_sample * per_output
        return count

    handles = [m.register_forward_hook(hook(name)) for name, m in model.named_modules()
               if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        with torch.no_grad():
            model.eval()(torch.empty(shape, device="meta"))
    finally:
        for h in handles:
            h.remove()
    return counts


def on_meta(build: Callable[[], nn.Module]) -> nn.Module:
    with torch.device("meta"):
        return build()


# --- the networks ------------------------------------------------------------------------------

def alexnet() -> nn.Module:
    """torchvision's single-tower AlexNet: 64-192-384-256-256 kernels, biases everywhere."""
    return nn.Sequential(
        nn.Sequential(  # features
            nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
            nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
        ),
        nn.AdaptiveAvgPool2d(6), nn.Flatten(),
        nn.Sequential(  # classifier
            nn.Dropout(), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
            nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 1000),
        ),
    )


def alexnet_paper() -> nn.Module:
    """The paper's two-GPU AlexNet: 96-256-384-384-256 kernels, conv2/4/5 split in two groups."""
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2, groups=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, 3, padding=1, groups=2), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1, groups=2), nn.ReLU(), nn.MaxPool2d(3, 2), nn.Flatten(),
        nn.Linear(256 * 6 * 6, 4096), nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 1000),
    )


VGG16_STAGES = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]]


def vgg16() -> nn.Module:
    """torchvision's VGG-16 without BN: five stages of 3×3 convs (padding 1), then three FC layers."""
    stages, c_in = [], 3
    for widths in VGG16_STAGES:
        layers = []
        for c_out in widths:
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU()]
            c_in = c_out
        stages.append(nn.Sequential(*layers, nn.MaxPool2d(2, 2)))
    return nn.Sequential(
        nn.Sequential(*stages), nn.AdaptiveAvgPool2d(7), nn.Flatten(),
        nn.Sequential(nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Dropout(),
                      nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(), nn.Linear(4096, 1000)),
    )


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, c_in: int, width: int, stride: int = 1) -> None:
        super().__init__()
        c_out = width * self.expansion
        self.conv1, self.bn1 = nn.Conv2d(c_in, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width)
        self.conv2, self.bn2 = nn.Conv2d(width, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width)
        self.downsample = (nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))
                           if stride != 1 or c_in != c_out else nn.Identity())

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(y)) + self.downsample(x))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, c_in: int, width: int, stride: int = 1) -> None:
        super().__init__()
        c_out = width * self.expansion
        self.conv1, self.bn1 = nn.Conv2d(c_in, width, 1, bias=False), nn.BatchNorm2d(width)
        self.conv2, self.bn2 = nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width)
        self.conv3, self.bn3 = nn.Conv2d(width, c_out, 1, bias=False), nn.BatchNorm2d(c_out)
        self.downsample = (nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))
                           if stride != 1 or c_in != c_out else nn.Identity())

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = torch.relu(self.bn2(self.conv2(y)))
        return torch.relu(self.bn3(self.conv3(y)) + self.downsample(x))


class ResNet(nn.Module):
    def __init__(self, block: type, blocks: list[int]) -> None:
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        c_in, stages = 64, []
        for i, (width, n) in enumerate(zip([64, 128, 256, 512], blocks)):
            layers = []
            for j in range(n):
                layers.append(block(c_in, width, 2 if i > 0 and j == 0 else 1))
                c_in = width * block.expansion
            stages.append(nn.Sequential(*layers))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.avgpool, self.fc = nn.AdaptiveAvgPool2d(1), nn.Linear(c_in, 1000)

    def forward(self, x):
        x = self.maxpool(torch.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


MOBILENET_BLOCKS = [(32, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1), (256, 512, 2),
                    *[(512, 512, 1)] * 5, (512, 1024, 2), (1024, 1024, 1)]


def mobilenet_v1() -> nn.Module:
    """MobileNet v1, width 1.0: conv + BN + ReLU, 13 depthwise-separable blocks, global pool, FC."""
    layers = [nn.Conv2d(3, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU()]
    for c_in, c_out, stride in MOBILENET_BLOCKS:
        layers += [nn.Conv2d(c_in, c_in, 3, stride, 1, groups=c_in, bias=False), nn.BatchNorm2d(c_in), nn.ReLU(),
                   nn.Conv2d(c_in, c_out, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1024, 1000))


class TextbookLSTMCell(nn.Module):
    """One weight matrix over [h_{t-1}, x_t] and one bias per gate, as textbooks write it."""

    def __init__(self, n: int, h: int) -> None:
        super().__init__()
        self.gates = nn.Linear(n + h, 4 * h)  # input, forget, candidate, output


class TextbookGRUCell(nn.Module):
    def __init__(self, n: int, h: int) -> None:
        super().__init__()
        self.gates = nn.Linear(n + h, 2 * h)  # reset, update
        self.candidate = nn.Linear(n + h, h)  # over [r ⊙ h_{t-1}, x_t]


class Seq2seq(nn.Module):
    """Sutskever et al. 2014: 4-layer LSTMs of 1000 cells, 1000-d embeddings, 160k / 80k words."""

    def __init__(self, bias: bool) -> None:
        super().__init__()
        self.src_embedding, self.tgt_embedding = nn.Embedding(160_000, 1000), nn.Embedding(80_000, 1000)
        self.encoder = nn.LSTM(1000, 1000, num_layers=4, bias=bias)
        self.decoder = nn.LSTM(1000, 1000, num_layers=4, bias=bias)
        self.softmax = nn.Linear(1000, 80_000, bias=bias)


class EncoderLayer(nn.Module):
    """A BERT (post-LN) or GPT-2 (pre-LN) block: same parameters, MHA + 2 LayerNorms + FFN of 4d."""

    def __init__(self, d: int, heads: int) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(d, heads)  # Q, K, V in_proj (3d×d + 3d) and out_proj
        self.ln1 = nn.LayerNorm(d)
        self.ffn = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.ln2 = nn.LayerNorm(d)


class Bert(nn.Module):
    """Hugging Face BertModel: embeddings (word, position, type, LayerNorm), encoder, pooler."""

    def __init__(self, d: int, layers: int, heads: int, pooler: bool = True) -> None:
        super().__init__()
        self.word, self.position, self.token_type = nn.Embedding(30522, d), nn.Embedding(512, d), nn.Embedding(2, d)
        self.embedding_ln = nn.LayerNorm(d)
        self.encoder = nn.ModuleList(EncoderLayer(d, heads) for _ in range(layers))
        self.pooler = nn.Linear(d, d) if pooler else None


class GPT2(nn.Module):
    def __init__(self, tied: bool = True) -> None:
        super().__init__()
        self.wte, self.wpe = nn.Embedding(50257, 768), nn.Embedding(1024, 768)
        self.blocks = nn.ModuleList(EncoderLayer(768, 12) for _ in range(12))
        self.ln_f = nn.LayerNorm(768)
        self.lm_head = nn.Linear(768, 50257, bias=False)
        if tied:
            self.lm_head.weight = self.wte.weight  # parameters() yields a shared tensor once


def _conv_and_linear(model: nn.Module) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def _bn_params(model: nn.Module) -> int:
    return sum(params(m) for m in model.modules() if isinstance(m, nn.BatchNorm2d))


# --- parameter counts --------------------------------------------------------------------------

PARAMS: dict[str, tuple[str, Callable[[], int]]] = {
    "alexnet": ("alexnet-params", lambda: params(on_meta(alexnet))),
    "alexnet-paper": ("alexnet-params", lambda: params(on_meta(alexnet_paper))),
    "alexnet-conv": ("alexnet-params", lambda: params(on_meta(alexnet)[0])),
    "alexnet-fc6": ("alexnet-params", lambda: params(on_meta(alexnet)[3][1])),
    "vgg16": ("vgg16-params", lambda: params(on_meta(vgg16))),
    "vgg16-conv": ("vgg16-params", lambda: params(on_meta(vgg16)[0])),
    "vgg16-fc6": ("vgg16-params", lambda: params(on_meta(vgg16)[3][0])),
    "resnet18": ("resnet18-params", lambda: params(on_meta(lambda: ResNet(BasicBlock, [2, 2, 2, 2])))),
    "resnet18-without-bn": ("resnet18-params", lambda: (lambda m: params(m) - _bn_params(m))(
        on_meta(lambda: ResNet(BasicBlock, [2, 2, 2, 2])))),
    "resnet18-stem": ("resnet18-params", lambda: (lambda m: params(m.conv1) + params(m.bn1))(
        on_meta(lambda: ResNet(BasicBlock, [2, 2, 2, 2])))),
    "basic-block-64": ("resnet18-params", lambda: params(on_meta(lambda: BasicBlock(64, 64)))),
    "resnet50": ("resnet50-params", lambda: params(on_meta(lambda: ResNet(Bottleneck, [3, 4, 6, 3])))),
    "bottleneck-64": ("resnet50-params", lambda: params(on_meta(lambda: Bottleneck(256, 64)))),
    "bottleneck-first-128": ("resnet50-params", lambda: params(on_meta(lambda: Bottleneck(256, 128, 2)))),
    "mobilenet-v1": ("mobilenet-v1-params", lambda: params(on_meta(mobilenet_v1))),
    "mobilenet-v1-bn": ("mobilenet-v1-params", lambda: _bn_params(on_meta(mobilenet_v1)[3:])),
    "lstm-pytorch": ("lstm-gru-layer-count", lambda: params(on_meta(lambda: nn.LSTM(300, 512)))),
    "lstm-textbook": ("lstm-gru-layer-count", lambda: params(on_meta(lambda: TextbookLSTMCell(300, 512)))),
    "gru-pytorch": ("lstm-gru-layer-count", lambda: params(on_meta(lambda: nn.GRU(300, 512)))),
    "gru-textbook": ("lstm-gru-layer-count", lambda: params(on_meta(lambda: TextbookGRUCell(300, 512)))),
    "lstm-second-layer": ("lstm-gru-layer-count", lambda: params(on_meta(lambda: nn.LSTM(512, 512)))),
    "lstm-two-layers": ("lstm-gru-layer-count", lambda: params(on_meta(lambda: nn.LSTM(300, 512, num_layers=2)))),
    "seq2seq-lstm-layer": ("seq2seq-lstm-params", lambda: params(on_meta(lambda: nn.LSTM(1000, 1000, bias=False)))),
    "seq2seq-recurrent": ("seq2seq-lstm-params", lambda: (lambda m: params(m.encoder) + params(m.decoder))(
        on_meta(lambda: Seq2seq(bias=False)))),
    "seq2seq": ("seq2seq-lstm-params", lambda: params(on_meta(lambda: Seq2seq(bias=False)))),
    "seq2seq-with-biases": ("seq2seq-lstm-params", lambda: params(on_meta(lambda: Seq2seq(bias=True)))),
    "mha-768": ("transformer-layer-params", lambda: params(on_meta(lambda: nn.MultiheadAttention(768, 12)))),
    "encoder-layer-768": ("transformer-layer-params", lambda: params(on_meta(lambda: EncoderLayer(768, 12)))),
    "torch-encoder-layer-768": ("transformer-layer-params", lambda: params(on_meta(
        lambda: nn.TransformerEncoderLayer(768, 12, dim_feedforward=3072)))),
    "encoder-layer-1024": ("transformer-layer-params", lambda: params(on_meta(lambda: EncoderLayer(1024, 16)))),
    "torch-encoder-layer-1024": ("transformer-layer-params", lambda: params(on_meta(
        lambda: nn.TransformerEncoderLayer(1024, 16, dim_feedforward=4096)))),
    "bert-base": ("bert-base-params", lambda: params(on_meta(lambda: Bert(768, 12, 12)))),
    "bert-base-without-pooler": ("bert-base-params", lambda: params(on_meta(lambda: Bert(768, 12, 12, pooler=False)))),
    "bert-base-encoder": ("bert-base-params", lambda: params(on_meta(lambda: Bert(768, 12, 12)).encoder)),
    "bert-large": ("bert-large-params", lambda: params(on_meta(lambda: Bert(1024, 24, 16)))),
    "bert-large-without-pooler": ("bert-large-params", lambda: params(on_meta(
        lambda: Bert(1024, 24, 16, pooler=False)))),
    "bert-large-encoder": ("bert-large-params", lambda: params(on_meta(lambda: Bert(1024, 24, 16)).encoder)),
    "bert-large-if-20-layers": ("bert-large-params", lambda: params(on_meta(lambda: Bert(1024, 20, 16)))),
    "gpt2-small": ("gpt2-small-params", lambda: params(on_meta(GPT2))),
    "gpt2-small-untied": ("gpt2-small-params", lambda: params(on_meta(lambda: GPT2(tied=False)))),
    "gpt2-small-blocks": ("gpt2-small-params", lambda: params(on_meta(GPT2).blocks)),
}


@pytest.mark.parametrize("quantity", list(PARAMS))
def test_parameter_count_is_on_the_card(quantity: str) -> None:
    card_id, count = PARAMS[quantity]
    assert_stated(card_id, count())


def test_every_layer_of_alexnet_is_on_the_card() -> None:
    for layer in _conv_and_linear(on_meta(alexnet)):
        assert_stated("alexnet-params", params(layer))


def test_every_stage_of_vgg16_is_on_the_card() -> None:
    for stage in on_meta(vgg16)[0]:
        assert_stated("vgg16-params", params(stage))


@pytest.mark.parametrize("card_id,blocks", [("resnet18-params", (BasicBlock, [2, 2, 2, 2])),
                                            ("resnet50-params", (Bottleneck, [3, 4, 6, 3]))],
                         ids=["resnet18", "resnet50"])
def test_every_stage_of_resnet_is_on_the_card(card_id: str, blocks) -> None:
    model = on_meta(lambda: ResNet(*blocks))
    for stage in (model.layer1, model.layer2, model.layer3, model.layer4, model.fc):
        assert_stated(card_id, params(stage))


def test_mobilenet_v1_depthwise_and_pointwise_parameters_are_on_the_card() -> None:
    convs = [m for m in on_meta(mobilenet_v1).modules() if isinstance(m, nn.Conv2d)][1:]
    assert_stated("mobilenet-v1-params", sum(params(c) for c in convs if c.groups > 1))
    assert_stated("mobilenet-v1-params", sum(params(c) for c in convs if c.groups == 1))


# --- multiply-adds -----------------------------------------------------------------------------

IMAGE = (1, 3, 224, 224)


def _sum(counts: dict[str, int], keep: Callable[[str], bool] = lambda name: True) -> int:
    return sum(v for k, v in counts.items() if keep(k))


def _alexnet_macs() -> dict[str, int]:
    return macs(on_meta(alexnet), IMAGE)


def _vgg16_macs() -> dict[str, int]:
    return macs(on_meta(vgg16), IMAGE)


def _mobilenet_macs() -> tuple[nn.Module, dict[str, int]]:
    model = on_meta(mobilenet_v1)
    return model, macs(model, IMAGE)


def _mobilenet_kind(groups: Callable[[int], bool]) -> int:
    model, counts = _mobilenet_macs()
    modules = dict(model.named_modules())
    return _sum(counts, lambda k: k != "0" and isinstance(modules[k], nn.Conv2d) and groups(modules[k].groups))


MACS: dict[str, tuple[str, Callable[[], int]]] = {
    "alexnet": ("alexnet-macs", lambda: _sum(_alexnet_macs())),
    "alexnet-conv": ("alexnet-macs", lambda: _sum(_alexnet_macs(), lambda k: k.startswith("0."))),
    "alexnet-fc": ("alexnet-macs", lambda: _sum(_alexnet_macs(), lambda k: k.startswith("3."))),
    "vgg16": ("vgg16-macs", lambda: _sum(_vgg16_macs())),
    "vgg16-conv": ("vgg16-macs", lambda: _sum(_vgg16_macs(), lambda k: k.startswith("0."))),
    "vgg16-fc": ("vgg16-macs", lambda: _sum(_vgg16_macs(), lambda k: k.startswith("3."))),
    "mobilenet-v1": ("mobilenet-v1-macs", lambda: _sum(_mobilenet_macs()[1])),
    "mobilenet-v1-conv1": ("mobilenet-v1-macs", lambda: _mobilenet_macs()[1]["0"]),
    "mobilenet-v1-depthwise": ("mobilenet-v1-macs", lambda: _mobilenet_kind(lambda g: g > 1)),
    "mobilenet-v1-pointwise": ("mobilenet-v1-macs", lambda: _mobilenet_kind(lambda g: g == 1)),
}


@pytest.mark.parametrize("quantity", list(MACS))
def test_multiply_adds_are_on_the_card(quantity: str) -> None:
    card_id, count = MACS[quantity]
    assert_stated(card_id, count())


def test_every_layer_of_alexnet_macs_is_on_the_card() -> None:
    for name, count in _alexnet_macs().items():
        if name.startswith("0."):
            assert_stated("alexnet-macs", count)


def test_every_stage_of_vgg16_macs_is_on_the_card() -> None:
    counts = _vgg16_macs()
    for stage in range(len(VGG16_STAGES)):
        assert_stated("vgg16-macs", _sum(counts, lambda k: k.startswith(f"0.{stage}.")))


def test_hooks_agree_with_pytorchs_flop_counter() -> None:
    """The hook count is one multiply-add per weight use; FlopCounterMode counts two FLOPs each."""
    from torch.utils.flop_counter import FlopCounterMode

    for build in (alexnet, vgg16, mobilenet_v1):
        model = on_meta(build).eval()
        counter = FlopCounterMode(display=False)
        with counter, torch.no_grad():
            model(torch.empty(IMAGE, device="meta"))
        assert counter.get_total_flops() == 2 * _sum(macs(model, IMAGE)), build.__name__


# --- the helpers themselves --------------------------------------------------------------------

def test_separators_are_removed_only_inside_numbers() -> None:
    assert _plain_digits(r"61{,}100{,}840 = 61\,100\,840 = 61,100,840") == "61100840 = 61100840 = 61100840"
    assert _plain_digits("K = [3, 64, 64]") == "K = [3, 64, 64]"
    assert _plain_digits("C = [11,5]") == "C = [11,5]"


def test_card_text_is_one_card() -> None:
    text = card_text("alexnet-params")
    assert text.startswith("## AlexNet") and "{#alexnet-macs" not in text
    assert "```check" in text and "P = 61100840" in checked_text("alexnet-params")
