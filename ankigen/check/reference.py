"""Reference derivations: layer sizes and costs computed by counting, not from any card formula.

Output sizes count window positions, parameter counts count the entries of each weight
tensor, multiply-adds count weights per output position. Conventions follow PyTorch (the
test suite checks each one against it). Check blocks call them as `@name(arg=value, ...)`;
every argument must be a whole number once `where` bindings are applied.
"""

from __future__ import annotations

from math import prod
from typing import Callable

import sympy as sp

_LIMIT = 10**7  # sizes above this are not counted one by one


def _int(value: object, name: str, minimum: int = 1) -> int:
    if isinstance(value, tuple):
        raise ValueError(f"{name} must be a number, not a list")
    v = sp.Integer(value) if isinstance(value, int) else value
    if not isinstance(v, sp.Basic) or not v.is_Integer:
        raise ValueError(f"{name} must be a whole number, got {v}")
    n = int(v)
    if n < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {n}")
    if n > _LIMIT:
        raise ValueError(f"{name} is too large to count ({n} > {_LIMIT})")
    return n


def _ints(value: object, name: str, minimum: int = 1) -> list[int]:
    items = value if isinstance(value, tuple) else (value,)
    return [_int(v, name, minimum) for v in items]


def _windows(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil: bool = False) -> int:
    """How many positions a window takes along one axis, counted one start at a time."""
    span = dilation * (kernel - 1) + 1
    padded = size + 2 * pad
    count, start = 0, 0
    while True:
        fits = start + span <= padded
        # ceil mode keeps a last, partial window if it starts inside the input or left padding
        partial = ceil and start < size + pad and start + span - padded < stride and start + span > padded
        if not (fits or partial):
            break
        count += 1
        start += stride
        if count > _LIMIT:
            raise ValueError("too many window positions to count")
    if count == 0:
        raise ValueError("the kernel does not fit the padded input")
    return count


def conv_out(W, K, S=1, P=0, D=1) -> sp.Integer:
    """Output length of a convolution along one axis."""
    return sp.Integer(_windows(_int(W, "W"), _int(K, "K"), _int(S, "S"), _int(P, "P", 0), _int(D, "D")))


def pool_out(W, K, S=None, P=0, D=1, ceil=0) -> sp.Integer:
    """Output length of max/avg pooling; stride defaults to the kernel, `ceil=1` is PyTorch's ceil_mode."""
    k = _int(K, "K")
    s = k if S is None else _int(S, "S")
    p = _int(P, "P", 0)
    if p * 2 > k:
        raise ValueError("padding must be at most half the kernel")
    return sp.Integer(_windows(_int(W, "W"), k, s, p, _int(D, "D"), bool(_int(ceil, "ceil", 0))))


def rf(K, S=None, D=None) -> sp.Integer:
    """Receptive field of a stack of layers (lists bottom to top), by following one output back."""
    ks = _ints(K, "K")
    ss = _ints(S, "S") if S is not None else [1] * len(ks)
    ds = _ints(D, "D") if D is not None else [1] * len(ks)
    if not len(ks) == len(ss) == len(ds):
        raise ValueError("K, S and D need one entry per layer")
    low, high = 0, 0  # the input positions one top output depends on, walked downwards
    for k, s, d in reversed(list(zip(ks, ss, ds))):
        low, high = low * s, high * s + d * (k - 1)
    return sp.Integer(high - low + 1)


def conv_params(K, C_in, C_out, groups=1, bias=0) -> sp.Integer:
    """Weights of a K×K convolution: a [C_out, C_in/groups, K, K] tensor, plus C_out biases."""
    k, cin, cout, g = _int(K, "K"), _int(C_in, "C_in"), _int(C_out, "C_out"), _int(groups, "groups")
    if cin % g or cout % g:
        raise ValueError("groups must divide C_in and C_out")
    weight_shape = (cout, cin // g, k, k)
    return sp.Integer(prod(weight_shape) + (cout if _int(bias, "bias", 0) else 0))


def conv_macs(H, W, K, C_in, C_out, S=1, P=0, groups=1) -> sp.Integer:
    """Multiply-adds of a convolution: weights per output position times positions."""
    k, s, p = _int(K, "K"), _int(S, "S"), _int(P, "P", 0)
    positions = _windows(_int(H, "H"), k, s, p, 1) * _windows(_int(W, "W"), k, s, p, 1)
    per_position = conv_params(K, C_in, C_out, groups)  # each weight is used once per position
    return sp.Integer(positions * int(per_position))


def depthwise_params(K, C) -> sp.Integer:
    return conv_params(K, C, C, groups=C)


def pointwise_params(C_in, C_out) -> sp.Integer:
    return conv_params(1, C_in, C_out)


def dwsep_params(K, C_in, C_out) -> sp.Integer:
    """Depthwise K×K on each channel, then a 1×1 pointwise convolution."""
    return depthwise_params(K, C_in) + pointwise_params(C_in, C_out)


def dwsep_macs(H, W, K, C_in, C_out, S=1, P=0) -> sp.Integer:
    depthwise = conv_macs(H, W, K, C_in, C_in, S, P, groups=C_in)
    h, w = conv_out(H, K, S, P), conv_out(W, K, S, P)
    return depthwise + conv_macs(h, w, 1, C_in, C_out)


def pconv_params(K, C, r) -> sp.Integer:
    """Partial convolution (FasterNet): a K×K convolution over C/r of the C channels only."""
    c, ratio = _int(C, "C"), _int(r, "r")
    if c % ratio:
        raise ValueError("r must divide C")
    return conv_params(K, c // ratio, c // ratio)


def pconv_macs(H, W, K, C, r, S=1, P=None) -> sp.Integer:
    c, ratio, k = _int(C, "C"), _int(r, "r"), _int(K, "K")
    if c % ratio:
        raise ValueError("r must divide C")
    pad = (k - 1) // 2 if P is None else P
    return conv_macs(H, W, k, c // ratio, c // ratio, S, pad)


def fc_params(N_in, N_out, bias=1) -> sp.Integer:
    n_in, n_out = _int(N_in, "N_in"), _int(N_out, "N_out")
    return sp.Integer(n_out * n_in + (n_out if _int(bias, "bias", 0) else 0))


def bn_params(C) -> sp.Integer:
    """Learnable parameters of BatchNorm over C channels: one scale and one shift each."""
    return sp.Integer(2 * _int(C, "C"))


def bn_buffers(C) -> sp.Integer:
    """Running statistics of BatchNorm: one mean and one variance per channel."""
    return sp.Integer(2 * _int(C, "C"))


def _gated(gates: int, n_in, hidden, bias) -> sp.Integer:
    i, h, b = _int(n_in, "N_in"), _int(hidden, "H"), _int(bias, "bias", 0)
    if b > 2:
        raise ValueError("bias is 0, 1 (one vector per gate) or 2 (PyTorch: input and hidden biases)")
    per_gate = h * i + h * h + b * h  # W_x: h×i, W_h: h×h, and b bias vectors of length h
    return sp.Integer(gates * per_gate)


def rnn_params(N_in, H, bias=2) -> sp.Integer:
    return _gated(1, N_in, H, bias)


def lstm_params(N_in, H, bias=2) -> sp.Integer:
    """Four gates (input, forget, cell, output); PyTorch keeps two bias vectors per gate."""
    return _gated(4, N_in, H, bias)


def gru_params(N_in, H, bias=2) -> sp.Integer:
    """Three gates (reset, update, new)."""
    return _gated(3, N_in, H, bias)


def mha_params(d, h, bias=1) -> sp.Integer:
    """Multi-head attention: query, key, value and output projections, each d×d (+ d biases)."""
    dm, heads = _int(d, "d"), _int(h, "h")
    if dm % heads:
        raise ValueError("h must divide d")
    projections = 4
    return sp.Integer(projections * (dm * dm + (dm if _int(bias, "bias", 0) else 0)))


REFERENCES: dict[str, Callable[..., sp.Expr]] = {
    f.__name__: f for f in (
        conv_out, pool_out, rf, conv_params, conv_macs, depthwise_params, pointwise_params,
        dwsep_params, dwsep_macs, pconv_params, pconv_macs, fc_params, bn_params, bn_buffers,
        rnn_params, lstm_params, gru_params, mha_params,
    )
}
