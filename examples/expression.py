"""The first example: an expression, its value, and d y / d x for every input.

    python examples/expression.py
"""

import argparse
import math

from autonn import Value, gradcheck


def expression(x: Value) -> Value:
    z = 2 * x + 2 + x
    return (z * z).relu() + z.tanh() * x - (x ** 2).exp() / (1 + z.sigmoid())


def main() -> None:
    x = Value(-4.0, label="x")
    z = 2 * x + 2 + x
    y = (z * z).relu() + z.tanh() * x - (x ** 2).exp() / (1 + z.sigmoid())
    y.backward()
    print(f"x = {x.data}")
    print(f"z = 3x + 2 = {z.data}")
    print(f"y = relu(z^2) + tanh(z) x - exp(x^2) / (1 + sigmoid(z)) = {y.data:.6f}")
    print(f"dy/dx = {x.grad:.6f}   (autograd)")
    print(f"dy/dz = {z.grad:.6f}   (z feeds four edges: z*z twice, tanh, sigmoid; its gradient is their sum)")

    # A smaller, friendlier point, checked against central finite differences.
    x2 = Value(0.5, label="x")
    y2 = expression(x2)
    y2.backward()
    print(f"\nat x = 0.5: y = {y2.data:.6f}, dy/dx = {x2.grad:.6f}")
    print("gradcheck against finite differences:", gradcheck(expression, [0.5]))

    # A Value exponent gets a gradient too: d(a^b)/db = a^b ln a.
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a ** b
    c.backward()
    print(f"\nc = a ** b = {c.data}; dc/da = {a.grad} (= b a^(b-1)); dc/db = {b.grad:.6f} (= 8 ln 2 = {8 * math.log(2):.6f})")


if __name__ == "__main__":
    # No options: the script prints its worked example; --help says what it shows.
    argparse.ArgumentParser(description=__doc__).parse_args()
    main()
