"""check_engine: a correct engine passes for its ops; every planted bug is found, named and shrunk."""

import re

import pytest

import autonn
from autonn.ops import remove_op
from autonn import OPS
from autonn.testing import EngineMismatch, Expression, Step, check_engine
from autonn.testing.engine import _argument_patterns

from planted_engine import Value as PlantedValue


@pytest.fixture(scope="module")
def planted_report():
    return check_engine(PlantedValue, max_examples=150)


def _only(report, op, kind):
    found = [f for f in report.findings if f.op == op and f.kind == kind]
    assert len(found) == 1, str(report)
    return found[0]


def test_a_wrong_derivative_is_found_on_the_op_alone(planted_report):
    finding = _only(planted_report, "tanh", "gradient")
    assert str(finding.expression) == "tanh(x0)" and finding.failing_points == "at 7 of 8 points"  # right at 0
    assert "d/dx0: engine" in finding.detail


def test_overwriting_instead_of_accumulating_is_named(planted_report):
    finding = _only(planted_report, "add", "shared use")
    assert str(finding.expression) == "x0 + x0"
    assert "engine 1.0, autonn 2.0" in finding.detail
    assert "overwrites the gradient of a node used more than once" in finding.detail
    assert "(x0 + x1)" in finding.detail


def test_a_wrong_forward_is_found_as_a_value(planted_report):
    finding = _only(planted_report, "sigmoid", "value")
    assert str(finding.expression) == "sigmoid(x0)"
    assert "value of sigmoid(x0)" in finding.detail


def test_a_kink_convention_is_found_at_the_kink_only(planted_report):
    finding = _only(planted_report, "relu", "gradient")
    assert finding.expression.values == (0.0,) and finding.failing_points == "at 1 of 8 points"
    assert "engine 1.0, autonn 0.0" in finding.detail


def test_the_planted_report_says_what_agrees_and_what_is_missing(planted_report):
    assert set(planted_report.agree) == {"sub", "mul", "div", "neg", "exp", "log"}
    assert planted_report.unsupported["pow"] == "TypeError: this engine raises only to number powers"
    assert planted_report.unsupported["sqrt"] == "the engine's Value has no method 'sqrt'"
    blamed = {f.op for f in planted_report.findings}
    assert blamed == {"tanh", "add", "sigmoid", "relu", "powc"}  # powc: x ** 0.5 at 0, as micrograd
    assert planted_report.graphs_checked == 150  # random graphs of the agreeing ops: nothing more found
    with pytest.raises(EngineMismatch) as info:
        planted_report.assert_ok()
    text = str(info.value)
    for line in ("tanh: a gradient differs", "add: a gradient differs where a node is used more than once",
                 "sigmoid: the value differs", "relu: a gradient differs (at 1 of 8 points)"):
        assert line in text


class BreadthFirstValue(PlantedValue):
    """The planted engine with one more bug: backward visits nodes breadth first, not in
    topological order, so a node can pass its gradient on before all of it has arrived."""

    def _node(self, data, inputs, name, pass_back):
        out = BreadthFirstValue(data, inputs, name)
        out._pass_back = lambda: pass_back(out)
        return out

    def backward(self):
        order, seen = [self], {id(self)}
        for node in order:
            for child in node._inputs:
                if id(child) not in seen:
                    seen.add(id(child))
                    order.append(child)
        self.grad = 1.0
        for node in order:
            if node._pass_back is not None:
                node._pass_back()


def test_a_bug_only_a_graph_shows_is_found_and_shrunk():
    # Every op alone is right; the wrong order shows only when a node is reached by paths of
    # different lengths.  The random graphs find it and cut it down to a few steps.
    report = check_engine(BreadthFirstValue, ops=["mul", "sub", "exp"], max_examples=300)
    assert report.agree == ["mul", "sub", "exp"]
    assert len(report.findings) == 1, str(report)
    finding = report.findings[0]
    assert finding.kind == "shared use" and finding.op == "" and not finding.failing_points
    assert "an order that is not topological" in finding.detail
    assert 2 <= len(finding.expression) <= 4
    # the shrunk expression really fails, and every smaller part of it passes
    expr = finding.expression
    out, leaves = expr.build()
    assert "engine" in finding.detail
    for k in range(len(expr) - 1):
        part = expr.subexpression(k)
        part_out, part_leaves = part.build()
        assert _engine_grads(BreadthFirstValue, part) == pytest.approx(autonn.grad(part_out, part_leaves))
    assert _engine_grads(BreadthFirstValue, expr) != pytest.approx(autonn.grad(out, leaves))


def _engine_grads(value_class, expr):
    leaves = [value_class(v) for v in expr.values]
    nodes = list(leaves)
    for s in expr.steps:
        a = [nodes[i] for i in s.args]
        nodes.append({"mul": lambda: a[0] * a[1], "sub": lambda: a[0] - a[1], "exp": lambda: a[0].exp()}[s.op]())
    nodes[-1].backward()
    return [leaf.grad for leaf in leaves]


def test_micrograd_agrees_for_its_ops():
    micrograd = pytest.importorskip("micrograd.engine", reason="micrograd 0.1.0 is an optional comparison")
    report = check_engine(micrograd.Value, max_examples=150)
    assert report.agree == ["add", "sub", "mul", "div", "neg", "relu"]  # relu's slope at 0 is 0, as autonn's
    assert report.unsupported["pow"] == "AssertionError: only supporting int/float powers for now"
    assert "tanh" in report.unsupported and "exp" in report.unsupported
    # The one difference: x ** k at 0 for 0 <= k < 1, where micrograd's k * 0 ** (k - 1) divides by zero.
    (finding,) = report.findings
    assert (finding.op, finding.kind, str(finding.expression)) == ("powc", "error", "x0 ** 0.0")
    assert "ZeroDivisionError" in finding.detail and finding.failing_points == "at 3 of 61 points"
    assert report.graphs_checked == 150


def test_an_op_added_later_is_checked_when_the_engine_has_it():
    class WithCube(PlantedValue):
        def _node(self, data, inputs, name, pass_back):
            out = WithCube(data, inputs, name)
            out._pass_back = lambda: pass_back(out)
            return out

        def cube(self):
            def back(out):
                self.grad += 3 * self.data * self.data * out.grad

            return self._node(self.data ** 3, (self,), "cube", back)

    autonn.register_op("cube", lambda a, m: a * a * a, lambda g, out, a, m: (g * 3.0 * a * a,), "3 a^2")
    try:
        report = check_engine(WithCube, ops=["cube", "mul"], max_examples=50)
        assert report.ok and report.agree == ["cube", "mul"], str(report)
        report.assert_ok()
    finally:
        remove_op("cube")


def test_methods_map_other_names_and_bad_arguments_are_named():
    report = check_engine(PlantedValue, ops=["sigmoid"], methods={"sigmoid": lambda v: v.exp() / (v.exp() + 1.0)},
                          max_examples=20)
    assert report.ok and report.agree == ["sigmoid"], str(report)
    with pytest.raises(ValueError, match=r"check_engine: unknown op\(s\) \['nope'\]"):
        check_engine(PlantedValue, ops=["nope"])
    with pytest.raises(TypeError, match="check_engine: value_class must be"):
        check_engine(3.0)
    with pytest.raises(ValueError, match="check_engine: max_examples must be at least 0, got -1"):
        check_engine(PlantedValue, max_examples=-1)
    with pytest.raises(ValueError, match="check_engine: rtol must be a finite number >= 0, got -1e-09"):
        check_engine(PlantedValue, rtol=-1e-9)


def test_argument_patterns_put_separate_inputs_first():
    assert _argument_patterns(2) == [(0, 1), (0, 0)]
    assert _argument_patterns(3)[0] == (0, 1, 2) and len(_argument_patterns(3)) == 5
    assert Expression([1.0], [Step("add", (0, 0))]).uses() == [2, 0]


def test_an_op_that_always_fails_is_a_finding_not_a_missing_op():
    class TypoInExp(PlantedValue):
        def exp(self):
            return self._node(math_exp(self.data), (self,), "exp", None)  # noqa: F821 - the typo planted

    report = check_engine(TypoInExp, ops=["exp", "mul"], max_examples=20)
    assert "exp" not in report.unsupported and report.agree == ["mul"]
    (finding,) = report.findings
    assert (finding.op, finding.kind) == ("exp", "error") and finding.failing_points == "at 8 of 8 points"
    assert "NameError" in finding.detail and "building exp(x0) raised" in finding.detail


def test_autonn_checked_against_itself_agrees_on_every_op_it_has_a_method_for():
    # No false alarms: kinks, ties, inf slopes (sqrt at 0) and shared nodes all compare equal.
    report = check_engine(autonn.Value, max_examples=100)
    assert report.ok, str(report)
    # Value has no method for step, for the comparisons or where (autonn.gt, autonn.where), nor for the
    # losses' label checks; sum is autonn.sum
    no_method = {"step", "sum", "gt", "ge", "lt", "le", "eq", "ne", "where", "label_pm1", "label_01", "label_class"}
    assert set(report.agree) == set(OPS) - no_method
    assert set(report.unsupported) == no_method


def test_pytorch_through_check_engine_differs_only_in_clamp_at_a_tie():
    pytest.importorskip("torch", reason="PyTorch is an optional comparison")
    from torch_engine import TorchValue, torch_methods

    report = check_engine(TorchValue, methods=torch_methods(), max_examples=30)
    no_method = {"step", "sum", "gt", "ge", "lt", "le", "eq", "ne", "where", "label_pm1", "label_01", "label_class"}
    assert set(report.agree) == set(OPS) - no_method - {"clamp"}, str(report)
    (finding,) = report.findings
    # Where two of clamp(a, lo, hi)'s arguments are equal the slope is a choice: autonn hands all of it
    # to one argument (slope 1.0); PyTorch splits it (0.5 each at a == lo < hi) or, with a < lo == hi,
    # gives every argument 0.  Which tie the search meets first depends on its random examples.
    assert (finding.op, finding.kind) == ("clamp", "gradient")
    x0, lo, hi = finding.expression.values
    assert x0 == lo or x0 == hi or lo == hi, finding.expression.values
    assert re.search(r"engine 0\.(0|5), autonn 1\.0", finding.detail), finding.detail
