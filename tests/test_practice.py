"""Practice mode: the right answers, every misconception planted by hand and named, the loop and the shell."""

import math
import os
import subprocess
import sys

import numpy as np
import pytest

import autonn
from autonn.graph import topological_order
from autonn.practice import LEVELS, MISCONCEPTIONS, exercise, session


def _values(ex):
    """Every labelled node's number, by label."""
    return {n.label: n.data for n in topological_order(ex.root) if n.label}


def _planted(ex, **wrong):
    answers = ex.answer()
    answers.update(wrong)
    return ex.grade(answers)


@pytest.mark.parametrize("level", sorted(LEVELS))
@pytest.mark.parametrize("seed", [0, 7])
def test_the_right_answers_are_what_backward_leaves_and_are_graded_right(level, seed):
    ex = exercise(level, seed=seed)
    ex.root.backward()
    nodes = {n.label: n for n in topological_order(ex.root) if n.label}
    for label, right in ex.answer().items():
        assert right == pytest.approx(nodes[label].grad, abs=1e-12)
    result = ex.grade(ex.answer())
    assert result.correct and result.first_wrong is None and result.misconception is None


def test_the_leaves_gradients_match_central_differences():
    for level in sorted(LEVELS):
        ex = exercise(level, seed=3)
        order = topological_order(ex.root)
        leaves = [n for n in order if n.label in ex.asked and n.is_leaf]
        assert leaves
        for leaf in leaves:
            h = 1e-6
            kept = leaf.data
            values = []
            for x in (kept + h, kept - h):
                rebuilt = exercise(level, seed=3)  # the same graph, built again, with one leaf moved
                node = next(n for n in topological_order(rebuilt.root) if n.label == leaf.label)
                node.data = x
                values.append(_recompute(rebuilt.root))
            assert ex.answer()[leaf.label] == pytest.approx((values[0] - values[1]) / (2 * h), rel=1e-6, abs=1e-6)


def _recompute(root):
    """The output's number from the leaves' current numbers, by formula."""
    forward = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
               "div": lambda a, b: a / b, "tanh": math.tanh, "exp": math.exp}
    data = {}
    for n in topological_order(root):
        ins = [data[id(p)] for p in n.parents]
        if not ins:
            data[id(n)] = n.data
        elif n.op == "powc":
            data[id(n)] = ins[0] ** n.constants[0]
        else:
            data[id(n)] = forward[n.op](*ins)
    return data[id(root)]


def test_the_same_seed_asks_the_same_question_and_levels_rise():
    assert exercise(4, seed=11).question == exercise(4, seed=11).question
    generated = [exercise(2, seed=np.random.default_rng(5)).question for _ in range(2)]
    assert generated[0] == generated[1]  # a numpy Generator seeds it too
    with pytest.raises(ValueError, match="exercise: seed must be a non-negative integer"):
        exercise(1, seed=-1)
    sizes = [len(topological_order(exercise(level, seed=0).root)) for level in sorted(LEVELS)]
    assert sizes[-1] > sizes[0]
    assert "Level 6" in exercise(6, seed=0).question


def test_every_documented_misconception_has_a_planting_test():
    planted = {"accumulation", "sign", "local-derivative", "chain", "order", "other"}
    assert set(MISCONCEPTIONS) == planted


# Level 3 is c = a*b, d = c + a, L = c*d: c and a are each used twice.

def _reused(seed=1):
    ex = exercise(3, seed=seed)
    v = _values(ex)
    gd = v["c"]
    gc = v["d"] + v["c"]
    assert ex.answer() == pytest.approx({"d": gd, "c": gc, "a": gc * v["b"] + gd, "b": gc * v["a"]})
    return ex, v, gd, gc


def test_accumulation_only_the_last_use_of_a_reused_leaf():
    ex, v, gd, gc = _reused()
    for only_one in (gd, gc * v["b"]):  # what d sends back, or what c sends back, alone
        result = _planted(ex, a=only_one)
        assert (result.correct, result.first_wrong, result.misconception) == (False, "a", "accumulation")
        assert "a is used 2 times" in result.explanation
        assert f"grad(a) = {gc * v['b']:.4f} + {gd:.4f} = {gc * v['b'] + gd:.4f}" in result.explanation


def test_accumulation_held_throughout_also_shortchanges_a_reused_inner_node():
    ex, v, gd, gc = _reused()
    # c keeps only the share of d (the use handled last), and passes that on
    c_only = 1.0 * gd
    result = _planted(ex, c=c_only, a=gd, b=c_only * v["a"])
    assert (result.first_wrong, result.misconception) == ("c", "accumulation")


def test_order_hands_a_reused_node_on_before_it_is_complete():
    ex, v, gd, gc = _reused()
    # breadth-first from L: c (L's first input) is handled before d has added its share to c
    early = v["d"]
    result = _planted(ex, b=early * v["a"], a=early * v["b"] + gd)
    assert (result.first_wrong, result.misconception) == ("b", "order")
    assert "grad(c) on to b before it was complete" in result.explanation


# Level 4 is c = a - b, d = c / e, L = d - b.

def test_sign_sub_sends_minus_grad_to_its_second_input():
    ex = exercise(4, seed=1)
    v = _values(ex)
    assert ex.answer()["b"] == pytest.approx(-1 / v["e"] - 1)
    result = _planted(ex, b=1 / v["e"] + 1)
    assert (result.first_wrong, result.misconception) == ("b", "sign")
    assert "sub sends a negative share to its second input" in result.explanation


def test_sign_div_sends_minus_a_over_b_squared():
    ex = exercise(4, seed=1)
    v = _values(ex)
    assert ex.answer()["e"] == pytest.approx(-v["c"] / v["e"] ** 2)
    result = _planted(ex, e=v["c"] / v["e"] ** 2)
    assert (result.first_wrong, result.misconception) == ("e", "sign")
    assert "div sends" in result.explanation


# Level 2 is d = a*b, e = d (+ or *) c, L = e*f.

def test_local_derivative_of_the_other_input():
    ex = exercise(2, seed=1)
    v = _values(ex)
    assert ex.answer()["f"] == pytest.approx(v["e"])
    assert not math.isclose(v["e"], v["f"])
    result = _planted(ex, f=v["f"])  # d(e*f)/df is e; f is d(e*f)/de
    assert (result.first_wrong, result.misconception) == ("f", "local-derivative")
    assert "the wrong input" in result.explanation


def test_chain_forgets_the_gradient_from_above():
    ex = exercise(2, seed=1)
    v = _values(ex)
    right = ex.answer()
    result = _planted(ex, a=v["b"])  # d(a*b)/da alone, not times grad(d)
    assert right["d"] != pytest.approx(1.0)
    assert (result.first_wrong, result.misconception) == ("a", "chain")
    assert f"grad(d) = {right['d']:.4g}" in result.explanation


def test_chain_in_a_neuron_forgets_tanh_s_slope():
    ex = exercise(5, seed=2)
    v = _values(ex)
    assert ex.answer()["n"] == pytest.approx(1 - v["o"] ** 2)
    assert 1 - v["o"] ** 2 != pytest.approx(1.0)
    result = _planted(ex, b=1.0, s=1.0)  # d(s + b)/db = 1 alone: the tanh's 1 - o**2 from above left out
    assert (result.first_wrong, result.misconception) == ("b", "chain")


def test_a_number_no_slip_explains_is_other_and_the_ledger_shows_the_right_one():
    ex = exercise(2, seed=1)
    right = ex.answer()
    result = _planted(ex, c=right["c"] + 10.0)
    assert (result.first_wrong, result.misconception) == ("c", "other")
    assert f"= {right['c']:.4f}" in result.explanation.split("ledger line")[1]


def test_the_first_wrong_step_is_the_one_nearest_the_output():
    ex = exercise(6, seed=0)
    right = ex.answer()
    result = _planted(ex, w11=right["w11"] + 1, h2=right["h2"] + 1)
    assert result.first_wrong == "h2"


def test_rounded_answers_count_as_right():
    ex = exercise(5, seed=4)
    result = ex.grade({k: round(x, 2) for k, x in ex.answer().items()})
    assert result.correct


def test_bad_answers_are_refused_with_the_reason():
    ex = exercise(1, seed=0)
    right = ex.answer()
    with pytest.raises(ValueError, match="grade: answers has no gradient for"):
        ex.grade({})
    with pytest.raises(ValueError, match="grade: answers names zz, which was not asked"):
        ex.grade({**right, "zz": 1.0})
    with pytest.raises(TypeError, match="grade: the answer for .* must be a finite number"):
        ex.grade({k: float("nan") for k in right})
    with pytest.raises(TypeError, match="grade: answers must be a dict"):
        ex.grade([1.0])
    with pytest.raises(ValueError, match="exercise: level must be at least 1 and at most 6, got 7"):
        exercise(7)
    with pytest.raises(TypeError, match="exercise: level must be an int"):
        exercise("2")


def test_the_session_moves_up_a_level_after_a_right_set():
    lines = []
    asked = []

    def read(prompt):
        asked.append(prompt)
        level = 1 if len(asked) <= len(exercise(1, seed=5).asked) else 2
        ex = exercise(level, seed=5 + (level - 1))
        return str(ex.answer()[prompt[len("grad("):-len(") = ")]])

    right = session(1, seed=5, rounds=2, read=read, write=lines.append)
    text = "\n".join(lines)
    assert right == 2
    assert "On to level 2." in text and "Level 2: a chain" in text
    assert "2 of 2 exercises right." in text


def _run_cli(args, stdin):
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-m", "autonn", "practice", *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=120)


def test_the_shell_reads_answers_from_stdin_and_names_the_slip():
    ex, v, gd, gc = _reused(seed=9)
    answers = ex.answer()
    answers["a"] = gd
    stdin = "".join(f"{answers[label]!r}\n" for label in ex.asked) + "q\n"
    done = _run_cli(["--level", "3", "--seed", "9"], stdin)
    assert done.returncode == 0, done.stderr
    assert ex.question in done.stdout
    assert "First wrong: grad(a)" in done.stdout
    assert "(Misconception: accumulation" in done.stdout
    assert "Stopped." in done.stdout and "0 of 1 exercises right." in done.stdout


def test_the_shell_asks_again_after_text_that_is_not_a_number_and_stops_at_end_of_input():
    ex = exercise(1, seed=2)
    right = ex.answer()
    stdin = "two\n" + "".join(f"{right[label]!r}\n" for label in ex.asked)
    done = _run_cli(["--seed", "2"], stdin)
    assert done.returncode == 0, done.stderr
    assert "'two' is not a number" in done.stdout
    assert "All " in done.stdout and "On to level 2." in done.stdout
    assert "1 of 1 exercises right." in done.stdout


def test_the_shell_refuses_a_level_that_does_not_exist():
    done = _run_cli(["--level", "9"], "")
    assert done.returncode == 2 and "invalid choice: 9" in done.stderr


def test_autonn_exposes_practice():
    assert autonn.practice.exercise is exercise
