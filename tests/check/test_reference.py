"""Reference derivations against PyTorch as the oracle (meta tensors: shapes for free)."""

from __future__ import annotations

import pytest
import sympy as sp

from ankigen.check import reference as ref

torch = pytest.importorskip("torch", reason="install the test extra: pip install -e '.[test]'")
nn = torch.nn
F = torch.nn.functional


def _params(module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("W,K,S,P,D", [
    (224, 7, 2, 3, 1), (224, 3, 2, 1, 1), (227, 11, 4, 0, 1), (32, 3, 1, 1, 2), (13, 4, 3, 2, 1),
    (7, 7, 1, 0, 1), (100, 5, 3, 0, 2), (15, 2, 2, 0, 1),
])
def test_conv_out(W, K, S, P, D) -> None:
    x = torch.empty(1, 1, W, W, device="meta")
    w = torch.empty(1, 1, K, K, device="meta")
    assert ref.conv_out(W, K, S, P, D) == F.conv2d(x, w, stride=S, padding=P, dilation=D).shape[-1]


@pytest.mark.parametrize("W,K,S,P,ceil", [
    (112, 3, 2, 1, 0), (112, 3, 2, 1, 1), (13, 2, 2, 0, 0), (13, 2, 2, 0, 1), (14, 3, 2, 0, 1),
    (6, 3, 3, 1, 1), (55, 3, 2, 0, 1), (10, 4, 3, 2, 1),
])
def test_pool_out(W, K, S, P, ceil) -> None:
    x = torch.empty(1, 1, W, W)
    out = F.max_pool2d(x, K, stride=S, padding=P, ceil_mode=bool(ceil))
    assert ref.pool_out(W, K, S, P, ceil=ceil) == out.shape[-1]


@pytest.mark.parametrize("ks,ss", [([3, 3], [1, 1]), ([3, 3, 3], [2, 3, 1]), ([7, 3, 3], [2, 2, 1]),
                                    ([5], [1]), ([3, 3, 3, 3], [2, 2, 2, 2])])
def test_receptive_field(ks, ss) -> None:
    # Oracle: the input positions whose gradient reaches one output unit of a real stack.
    size = 1 + sum(k * 8 for k in ks) * max(1, max(ss)) ** len(ks)
    x = torch.zeros(1, 1, size, requires_grad=True)
    h = x
    for k, s in zip(ks, ss):
        conv = nn.Conv1d(1, 1, k, stride=s, bias=False)
        nn.init.ones_(conv.weight)
        h = conv(h)
    h[0, 0, h.shape[-1] // 2].backward()
    touched = (x.grad[0, 0] != 0).nonzero().flatten()
    assert ref.rf(tuple(sp.Integer(k) for k in ks), tuple(sp.Integer(s) for s in ss)) == int(
        touched.max() - touched.min() + 1)


@pytest.mark.parametrize("K,C_in,C_out,groups,bias", [(3, 64, 128, 1, 0), (3, 64, 128, 1, 1), (3, 64, 64, 64, 0),
                                                      (1, 32, 64, 1, 0), (5, 64, 128, 4, 1)])
def test_conv_params(K, C_in, C_out, groups, bias) -> None:
    conv = nn.Conv2d(C_in, C_out, K, groups=groups, bias=bool(bias), device="meta")
    assert ref.conv_params(K, C_in, C_out, groups, bias) == _params(conv)


def test_depthwise_pointwise_and_separable_params() -> None:
    dw = nn.Conv2d(64, 64, 3, groups=64, bias=False, device="meta")
    pw = nn.Conv2d(64, 128, 1, bias=False, device="meta")
    assert ref.depthwise_params(3, 64) == _params(dw)
    assert ref.pointwise_params(64, 128) == _params(pw)
    assert ref.dwsep_params(3, 64, 128) == _params(dw) + _params(pw)


def _macs(module, shape) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        module(torch.zeros(shape))
    return counter.get_total_flops() // 2  # PyTorch counts a multiply-add as two FLOPs


@pytest.mark.parametrize("H,K,C_in,C_out,S,P,groups", [(56, 3, 64, 128, 1, 1, 1), (224, 7, 3, 64, 2, 3, 1),
                                                       (28, 3, 32, 32, 2, 1, 32), (14, 1, 16, 8, 1, 0, 1)])
def test_conv_macs(H, K, C_in, C_out, S, P, groups) -> None:
    conv = nn.Conv2d(C_in, C_out, K, stride=S, padding=P, groups=groups, bias=False)
    assert ref.conv_macs(H, H, K, C_in, C_out, S, P, groups) == _macs(conv, (1, C_in, H, H))


def test_dwsep_macs() -> None:
    block = nn.Sequential(nn.Conv2d(32, 32, 3, stride=2, padding=1, groups=32, bias=False),
                          nn.Conv2d(32, 64, 1, bias=False))
    assert ref.dwsep_macs(28, 28, 3, 32, 64, 2, 1) == _macs(block, (1, 32, 28, 28))


def test_partial_conv() -> None:
    conv = nn.Conv2d(16, 16, 3, padding=1, bias=False)
    assert ref.pconv_params(3, 64, 4) == _params(conv)
    assert ref.pconv_macs(28, 28, 3, 64, 4) == _macs(conv, (1, 16, 28, 28))


def test_fully_connected_and_batchnorm() -> None:
    assert ref.fc_params(4096, 1000) == _params(nn.Linear(4096, 1000, device="meta"))
    assert ref.fc_params(512, 10, bias=0) == _params(nn.Linear(512, 10, bias=False, device="meta"))
    bn = nn.BatchNorm2d(64, device="meta")
    assert ref.bn_params(64) == _params(bn)
    assert ref.bn_buffers(64) == bn.running_mean.numel() + bn.running_var.numel()


@pytest.mark.parametrize("N_in,H", [(100, 128), (1, 1), (300, 64)])
def test_recurrent(N_in, H) -> None:
    assert ref.lstm_params(N_in, H) == _params(nn.LSTM(N_in, H, device="meta"))
    assert ref.gru_params(N_in, H) == _params(nn.GRU(N_in, H, device="meta"))
    assert ref.rnn_params(N_in, H) == _params(nn.RNN(N_in, H, device="meta"))
    assert ref.lstm_params(N_in, H, bias=0) == _params(nn.LSTM(N_in, H, bias=False, device="meta"))


@pytest.mark.parametrize("d,h", [(512, 8), (768, 12), (64, 1)])
def test_multi_head_attention(d, h) -> None:
    assert ref.mha_params(d, h) == _params(nn.MultiheadAttention(d, h, device="meta"))
    assert ref.mha_params(d, h, bias=0) == _params(nn.MultiheadAttention(d, h, bias=False, device="meta"))


@pytest.mark.parametrize("call", [lambda: ref.conv_out(3, 5), lambda: ref.conv_params(3, 64, 100, groups=8),
                                  lambda: ref.mha_params(10, 3), lambda: ref.conv_out(sp.Rational(1, 2), 1),
                                  lambda: ref.conv_out(10**9, 3)])
def test_bad_arguments_are_value_errors(call) -> None:
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize("call,message", [
    (lambda: ref.conv_out((3, 3), 1), "not a list"),
    (lambda: ref.conv_out(0, 1), "at least 1"),
    (lambda: ref.pool_out(8, 2, P=2), "at most half the kernel"),
    (lambda: ref.rf((3, 3), S=(1,)), "one entry per layer"),
    (lambda: ref.pconv_params(3, 10, 3), "r must divide C"),
    (lambda: ref.pconv_macs(8, 8, 3, 10, 4), "r must divide C"),
    (lambda: ref.lstm_params(2, 3, bias=3), "bias is 0, 1"),
])
def test_bad_arguments_say_which_and_why(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
