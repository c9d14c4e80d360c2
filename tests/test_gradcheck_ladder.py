"""gradcheck with no step to tune: the whole registry at hard points, one-sided probes, a planted wrong rule blamed."""

import inspect
import itertools
import math

import pytest

import autonn
from autonn import OPS, GradcheckError, Value, gradcheck
from autonn.functional import grad
from autonn.ops import remove_op
from autonn.testing import assert_grads_close
from autonn.value import apply

# Tiny and huge numbers, numbers beside the kinks at 0 and the domain edges at ±1, and ordinary ones.
POINTS = [1e-7, -1e-7, 1e7, -1e7, 1.0 + 1e-7, 1.0 - 1e-7, -1.0 + 1e-7, -1.0 - 1e-7, 0.3, -1.7, 2.5, 3.0]
FEW = [1e-7, -1e-7, 1e7, 1.0 - 1e-7, -1.0 - 1e-7, 0.3, -1.7, 3.0]
CONSTANTS = [2.0, 3.0, 0.5, -1.0, 2.5, 0.0, -2.0]


def _near(p):
    """A number 1e-7 (relative) beside ``p``: a tie about to be crossed."""
    return p + 1e-7 * abs(p)


def argument_tuples(op):
    """Inputs (then constants) for ``op``: every hard point alone, pairs including near-ties."""
    if op.arity == 1 and op.consts == 0:
        return [(p,) for p in POINTS]
    if op.arity == 1 and op.consts == 1:
        return [(p, k) for p in POINTS for k in CONSTANTS]
    # Exact ties (a == b) are kinks of maximum, minimum, clamp and the comparisons, not points beside them.
    if op.arity == 2:
        pairs = [(p, q) for p, q in itertools.product(FEW, FEW) if p != q]
        return pairs + [(p, _near(p)) for p in FEW] + [(_near(p), p) for p in FEW]
    if op.arity == 3:
        triples = [t for t in itertools.product(FEW, FEW, FEW) if len(set(t)) == 3]
        return triples + [(p, _near(p), 3.0) for p in FEW] + [(p, -3.0, _near(p)) for p in FEW]
    return [tuple(FEW[:n]) for n in (1, 2, 3)] + [(p, -p, 1e7) for p in FEW]


def checkable(op, args):
    """True if the op is defined at ``args`` with a finite value and finite slopes: what differences can check."""
    try:
        out = op.value(*args)
    except (ArithmeticError, ValueError):
        return False
    if not math.isfinite(out):
        return False
    n = len(args) - op.consts
    leaves = [Value(a) for a in args[:n]]
    slopes = grad(apply(op, *leaves, *args[n:]), leaves)
    return all(math.isfinite(s) for s in slopes)


def the_op(op, consts):
    return lambda *xs: apply(op, *xs, *consts)


ISOLATED = {"label_pm1", "label_class"}  # defined at -1 and +1, or whole numbers, only: no step stays inside


@pytest.mark.parametrize("name", [n for n in OPS if n not in ISOLATED])
def test_every_op_of_the_registry_passes_at_hard_points_with_no_eps(name):
    op = OPS[name]
    checked = 0
    for args in argument_tuples(op):
        if not checkable(op, args):
            continue
        n = len(args) - op.consts
        assert gradcheck(the_op(op, args[n:]), list(args[:n])), (name, args)
        checked += 1
    assert checked >= 3, f"{name}: only {checked} points were checkable"


def test_an_op_defined_at_isolated_points_is_reported_as_not_checkable():
    with pytest.raises(GradcheckError, match=r"cannot check: every probe .* leaves the domain .*label_pm1"):
        gradcheck(lambda y: y.label_pm1() if hasattr(y, "label_pm1") else apply(OPS["label_pm1"], y), [1.0])


@pytest.fixture
def wobble():
    """A user's op whose rule is wrong: d/da of sin(a) + a/2 is cos(a) + 0.5, the rule says cos(a) + 0.45."""
    f = autonn.register_op("wobble", lambda a, m: m.sin(a) + 0.5 * a, lambda g, out, a, m: (g * (m.cos(a) + 0.45),),
                           "d wobble(a)/da = cos(a) + 1/2")
    yield f
    remove_op("wobble")


def fifty_nodes(wobble, a, b, c):
    """A graph of 50 op nodes, the planted wrong rule at node 25."""
    t = a * b + c
    for k in range(9):
        t = (t * 0.7 + c).tanh() + b * 0.1
        if k == 4:
            t = wobble(t)  # the planted node
    return (t * a).sin()


PLANTED_LINE = next(i for i, line in enumerate(inspect.getsourcelines(fifty_nodes)[0],
                                               fifty_nodes.__code__.co_firstlineno)
                    if "# the planted node" in line)


def test_a_planted_wrong_rule_inside_a_50_node_graph_is_blamed_with_its_line(wobble):
    out = fifty_nodes(wobble, Value(0.4), Value(-0.8), Value(0.3))
    assert len([n for n in autonn.graph.topological_order(out) if n.op]) == 50
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b, c: fifty_nodes(wobble, a, b, c), [0.4, -0.8, 0.3])
    message = str(info.value)
    blame = next(line for line in message.splitlines() if line.startswith("Blame:"))
    assert "wobble(" in blame and "its rule (d wobble(a)/da = cos(a) + 0.45) gives" in blame
    assert f"test_gradcheck_ladder.py:{PLANTED_LINE} (fifty_nodes)" in blame and "# the planted node" in blame
    # Every input is downstream of the planted node's input, so each is wrong: numeric is the true slope.
    for label in ("x0", "x1", "x2"):
        assert "mismatch (numeric)" in next(line for line in message.splitlines() if line.strip().startswith(label))


def test_the_same_graph_with_a_right_rule_passes(wobble):
    OPS["wobble"].vjp = lambda g, out, a, m: (g * (m.cos(a) + 0.5),)
    assert gradcheck(lambda a, b, c: fifty_nodes(wobble, a, b, c), [0.4, -0.8, 0.3])


def test_a_valid_point_beside_a_domain_edge_is_probed_inside_the_domain():
    # The fixed step of 1e-6 would have probed log(-9e-07) here.
    assert_grads_close(lambda a: a.log(), [1e-7], reference=lambda a: 1.0 / a)
    assert gradcheck(lambda a: (a + 1.0).log() * (a + 1.0).sqrt(), [-1.0 + 1e-9])
    assert gradcheck(lambda a: a.asin(), [1.0 - 1e-12])


def test_a_point_on_a_domain_edge_is_probed_one_sided_and_the_report_says_so():
    # label_01 is y itself on [0, 1]: at 0 only the right side is inside; a wrong rule there is named one-sided.
    OPS_label = OPS["label_01"]
    rule = OPS_label.vjp
    OPS_label.vjp = lambda g, out, y, m: (g * 0.9,)
    try:
        with pytest.raises(GradcheckError, match=r"probed one-sided \(right\): the other side leaves the domain "
                                                 r"\(label_01: expected a label in \[0, 1\]"):
            gradcheck(lambda y: apply(OPS_label, y) * 2.0, [0.0])
    finally:
        OPS_label.vjp = rule
    assert gradcheck(lambda y: apply(OPS_label, y) * 2.0, [0.0])


def test_a_kink_is_reported_with_both_one_sided_slopes():
    with pytest.raises(GradcheckError, match=r"not differentiable here: slope 0 on the left, 1 on the right"):
        gradcheck(lambda a: a.relu(), [0.0])


def test_beside_a_kink_and_far_from_one():
    assert gradcheck(lambda a: a.relu() * abs(a) + autonn.maximum(a, 2e-7), [1e-7])
    assert gradcheck(lambda a, b: (a * b).sin() + (a / b).log(), [1e7, 3e-7])


def test_a_small_error_in_a_rule_is_caught_at_any_scale():
    for x in (1e-6, 1.0, 1e6):
        rule = OPS["exp"].vjp
        OPS["exp"].vjp = lambda g, out, a, m: (g * out * (1.0 + 1e-6),)
        try:
            with pytest.raises(GradcheckError, match=r"Blame: .*exp\("):
                gradcheck(lambda a: (a * 1e-6 / x).exp(), [x])
        finally:
            OPS["exp"].vjp = rule


def test_the_old_eps_and_tolerances_still_choose_the_classic_check():
    # With eps, one central difference at that step: relu's kink is 0.5 away, inside atol=1.
    assert gradcheck(lambda a: a.relu(), [0.0], eps=1e-6, atol=1.0)
    with pytest.raises(GradcheckError, match=r"failed \(eps=0.001, atol=1e-05, rtol=0.0001\)"):
        gradcheck(lambda a: a.relu(), [0.0], eps=1e-3)
    # With only a tolerance, the ladder decides and a mismatch within it is accepted.
    assert gradcheck(lambda a: a.relu(), [0.0], atol=0.6)
    with pytest.raises(GradcheckError, match="accepting atol=0.1"):
        gradcheck(lambda a: a.relu(), [0.0], atol=0.1)
