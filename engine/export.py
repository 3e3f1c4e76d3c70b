"""A trained model as a self-contained Python file: NumPy or PyTorch, weights included.

The file needs nothing from nnplayground. ``predict(points)`` takes points (n, 2) in the
plane and returns what the run's output layer gives (``Model.outputs``); run as a script,
it prints the prediction for ``x1 x2`` given on the command line.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.activations import LEAKY_SLOPE, SELU_ALPHA, SELU_SCALE
from engine.model import Model

FEATURE_CODE = {
    "x1": "x1",
    "x2": "x2",
    "x1_sq": "x1 * x1",
    "x2_sq": "x2 * x2",
    "x1x2": "x1 * x2",
    "sin_x1": "{lib}.sin(x1)",
    "sin_x2": "{lib}.sin(x2)",
    "cos_x1": "{lib}.cos(x1)",
    "cos_x2": "{lib}.cos(x2)",
}
NUMPY_ACTIVATIONS = {
    "linear": "z",
    "tanh": "np.tanh(z)",
    "sigmoid": "1.0 / (1.0 + np.exp(-z))",
    "relu": "np.maximum(z, 0.0)",
    "leaky_relu": f"np.where(z > 0, z, {LEAKY_SLOPE!r} * z)",
    "elu": "np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))",
    "selu": f"{SELU_SCALE!r} * np.where(z > 0, z, {SELU_ALPHA!r} * np.expm1(np.minimum(z, 0.0)))",
    "softplus": "np.logaddexp(0.0, z)",
    "gelu": "0.5 * z * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (z + 0.044715 * z**3)))",
    "swish": "z / (1.0 + np.exp(-z))",
    "sine": "np.sin(z)",
    "softmax": "np.exp(z - z.max(axis=1, keepdims=True)) / "
    "np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)",
}
TORCH_ACTIVATIONS = {
    "linear": "nn.Identity()",
    "tanh": "nn.Tanh()",
    "sigmoid": "nn.Sigmoid()",
    "relu": "nn.ReLU()",
    "leaky_relu": f"nn.LeakyReLU({LEAKY_SLOPE!r})",
    "elu": "nn.ELU()",
    "selu": "nn.SELU()",
    "softplus": "nn.Softplus()",
    "gelu": 'nn.GELU(approximate="tanh")',
    "swish": "nn.SiLU()",
    "sine": "Sine()",
    "softmax": "nn.Softmax(dim=1)",
}


def _header(model: Model, lib: str) -> str:
    config = model.config.model_dump_json(exclude_defaults=True)
    return (
        f'"""A network trained in nnplayground ({model.head.task}, epoch {model.epoch}), '
        f"as plain {lib}.\n\n"
        f"Config: {config}\n"
        "predict(points) takes points (n, 2) and returns the output layer's values.\n"
        'Run it as `python this_file.py X1 X2` to print one prediction.\n"""\n'
    )


def _features(model: Model, lib: str) -> str:
    columns = ", ".join(FEATURE_CODE[name].format(lib=lib) for name in model.features)
    return f"[{columns}]"


def _main(lib: str) -> str:
    points = (
        "np.array([[float(a) for a in sys.argv[1:3]]])"
        if lib == "np"
        else "torch.tensor([[float(a) for a in sys.argv[1:3]]], dtype=torch.float64)"
    )
    return f'\n\nif __name__ == "__main__":\n    print(predict({points}).tolist())\n'


def to_numpy_source(model: Model) -> str:
    lines = [_header(model, "NumPy"), "import sys\n", "import numpy as np\n"]
    lines.append(f"FEATURES = {model.features!r}")
    names = [*model.activations, model.head.output]
    lines.append("LAYERS = [  # (weights (fan_in, fan_out), biases, activation)")
    for name, w, b in zip(names, model.network.weights, model.network.biases, strict=True):
        lines.append(f"    (np.array({w.tolist()!r}), np.array({b.tolist()!r}), {name!r}),")
    lines.append("]\n")
    lines.append("\ndef activate(name, z):")
    for name in dict.fromkeys(names):
        lines.append(f"    if name == {name!r}:\n        return {NUMPY_ACTIVATIONS[name]}")
    lines.append('    raise ValueError(f"unknown activation {name}")\n')
    lines.append("\ndef predict(points):")
    lines.append("    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)")
    lines.append("    x1, x2 = points[:, 0], points[:, 1]")
    lines.append(f"    a = np.column_stack({_features(model, 'np')})")
    lines.append("    for weights, biases, name in LAYERS:")
    lines.append("        a = activate(name, a @ weights + biases)")
    lines.append("    return a")
    return "\n".join(lines) + _main("np")


def to_pytorch_source(model: Model) -> str:
    names = [*model.activations, model.head.output]
    lines = [_header(model, "PyTorch"), "import sys\n", "import torch\nfrom torch import nn\n"]
    lines.append(
        "\nclass Sine(nn.Module):\n    def forward(self, z):\n        return torch.sin(z)\n"
    )
    lines.append("\ndef build():")
    lines.append("    layers = []")
    for name, w, b in zip(names, model.network.weights, model.network.biases, strict=True):
        lines.append(f"    linear = nn.Linear({w.shape[0]}, {w.shape[1]}, dtype=torch.float64)")
        lines.append("    with torch.no_grad():")
        lines.append(
            f"        linear.weight.copy_(torch.tensor({w.T.tolist()!r}, dtype=torch.float64))"
        )
        lines.append(
            f"        linear.bias.copy_(torch.tensor({b.tolist()!r}, dtype=torch.float64))"
        )
        lines.append(f"    layers += [linear, {TORCH_ACTIVATIONS[name]}]")
    lines.append("    return nn.Sequential(*layers).eval()\n")
    lines.append("\nNET = build()\n")
    lines.append("\ndef predict(points):")
    lines.append("    points = torch.as_tensor(points, dtype=torch.float64).reshape(-1, 2)")
    lines.append("    x1, x2 = points[:, 0], points[:, 1]")
    lines.append("    with torch.no_grad():")
    lines.append(f"        return NET(torch.stack({_features(model, 'torch')}, dim=1))")
    return "\n".join(lines) + _main("torch")


EXPORTERS: dict[str, Callable[[Model], str]] = {
    "numpy": to_numpy_source,
    "pytorch": to_pytorch_source,
}
