"""PyTorch float64 scalars wrapped in micrograd's shape, so check_engine can hold autonn against PyTorch op by op."""

import torch
import torch.nn.functional as F


class TorchValue:
    """PyTorch float64 scalars in micrograd's shape: Value(x), operators, backward(), .grad."""

    def __init__(self, data, tensor=None):
        self.t = torch.tensor(float(data), dtype=torch.float64, requires_grad=True) if tensor is None else tensor

    @property
    def data(self):
        return self.t.item()

    @property
    def grad(self):
        return 0.0 if self.t.grad is None else self.t.grad.item()

    def backward(self):
        self.t.backward()

    @staticmethod
    def _t(x):
        return x.t if isinstance(x, TorchValue) else x

    def _op(fn):
        return lambda *xs: TorchValue(None, fn(*[TorchValue._t(x) for x in xs]))

    __add__ = _op(torch.add)
    __sub__ = _op(torch.sub)
    __mul__ = _op(torch.mul)
    __truediv__ = _op(torch.div)
    __pow__ = _op(torch.pow)
    __neg__ = _op(torch.neg)


def torch_methods():
    names = ["abs", "exp", "expm1", "log", "log2", "log10", "log1p", "sqrt", "sin", "cos", "tan", "asin", "acos",
             "atan", "sinh", "cosh", "tanh", "erf", "sigmoid", "relu", "sign", "maximum", "minimum", "clamp"]
    methods = {name: TorchValue._op(getattr(torch, name)) for name in names}
    methods.update(softplus=TorchValue._op(F.softplus), gelu=TorchValue._op(F.gelu), silu=TorchValue._op(F.silu),
                   elu=TorchValue._op(lambda a, alpha: torch.where(a > 0, a, alpha * torch.expm1(a))),
                   leaky_relu=TorchValue._op(lambda a, s: torch.where(a > 0, a, a * s)))
    return methods
