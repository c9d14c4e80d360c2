"""The ``autonn`` command (also ``python -m autonn``).

``autonn demo``
    Fits ``y = w*x + b`` step by step (the worked example of
    :mod:`autonn.demo`) and draws the loss graph.
``autonn draw "EXPR" --x 2 --w -3``
    Parses an expression over named values (safely: :mod:`autonn.expr`, no
    ``eval``), runs backward, prints the gradients and draws the graph.
``autonn practice [--level N]``
    Backpropagation exercises, answered on stdin and graded step by step
    (:mod:`autonn.practice`).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path
from typing import AbstractSet, Any, Dict, List, Optional, Sequence

from .._version import __version__
from ..datasets import make_line
from ..losses import closed_form_line_grads
from .demo import ARTICLE_START, GRAPH_ROWS, run_demo
from .practice import add_practice_parser, run_practice
from ..explain import ledger
from ..expr import FUNCTIONS, ExprError, evaluate, names_in
from ..graph import topological_order
from ..nn.files import not_replaceable
from ..ops import DomainError
from ..value import Value
from ..viz import RenderError, render, to_dot
from ..viz.renderers import FORMATS, RENDERERS

__all__ = ["main", "build_parser"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z_0-9]*$")
# the demo prints every step and builds a graph over every point: beyond these it would only run out of memory
MAX_POINTS = 100_000
MAX_STEPS = 100_000


class UsageError(Exception):
    """Wrong command-line input: printed with the usage line, exit status 2."""


def _function_list() -> str:
    """The functions an expression may call, from the op registry: ``exp(x)``, ``maximum(a, b)``, ``sum(a, ...)``."""
    letters = "abcd"
    calls = []
    for name, count in FUNCTIONS.items():
        args = "a, ..." if count is None else ", ".join(letters[i] if count > 1 else "x" for i in range(count))
        calls.append(f"{name}({args})")
    return " ".join(calls)


def _drawing_options(p: argparse.ArgumentParser, default_stem: str) -> None:
    g = p.add_argument_group("diagram")
    g.add_argument("-o", "--out", help=f"file to write (default: {default_stem}.svg, or the suffix of --format)")
    g.add_argument("--format", choices=FORMATS, help="svg, png or pdf (default: from the file name, else svg)")
    g.add_argument("--renderer", default="auto", choices=("auto",) + tuple(RENDERERS),
                   help="Graphviz program to lay out the diagram (default: dot if installed, else graphviz-pure)")
    g.add_argument("--derivatives", action="store_true",
                   help="label every edge with its local derivative d(op output)/d(input)")
    g.add_argument("--no-grad", action="store_true", help="do not show gradients")
    g.add_argument("--no-ops", action="store_true", help="fold each op into the box of its result")
    g.add_argument("--rankdir", choices=("LR", "TB"), default="LR", help="left to right (LR, default) or top to bottom")
    g.add_argument("--legend", action="store_true", help="draw the colour legend")
    g.add_argument("--precision", type=int, default=4, help="digits after the decimal point (default 4)")
    g.add_argument("--dot", action="store_true", help="print the DOT text instead of writing a picture")
    g.add_argument("--no-diagram", action="store_true", help="do not draw")
    p.set_defaults(default_stem=default_stem)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``autonn`` command."""
    parser = argparse.ArgumentParser(
        prog="autonn",
        description="Scalar automatic differentiation you can watch: run the worked example or draw any expression.",
    )
    parser.add_argument("--version", action="version", version=f"autonn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="fit y = w*x + b step by step and draw the loss graph",
        description=(
            "Fit y = w*x + b by gradient descent from w = 25, b = 85, printing every step: the gradient "
            "from backward() beside the closed forms mean(Error*x) and mean(Error). Then draw the loss "
            "graph of the first three rows."
        ),
        allow_abbrev=False,
    )
    demo.add_argument("--points", type=int, default=20, help="rows of data (default 20)")
    demo.add_argument("--steps", type=int, default=10, help="gradient steps (default 10)")
    demo.add_argument("--lr", type=float, default=1.0, help="learning rate (default 1.0)")
    demo.add_argument("--seed", type=int, default=0, help="seed of the data (default 0)")
    demo.add_argument("--explain", action="store_true", help="print the chain-rule ledger of d loss / d w")
    _drawing_options(demo, "autonn-demo")

    draw = sub.add_parser(
        "draw",
        help='draw an expression: autonn draw "tanh(w*x + b)" --w -3 --x 2 --b 1',
        description=(
            "Evaluate an arithmetic expression over named values, run backward and draw the graph. "
            "Give each name a value as --NAME VALUE or NAME=VALUE. Operators: + - * / ** (or ^), "
            "unary -, parentheses; functions: every op of autonn.OPS that is not an operator, "
            f"with its number of arguments: {_function_list()}."
        ),
        epilog='example: autonn draw "tanh(w1*x1 + w2*x2 + b)" --x1 2 --x2 0 --w1 -3 --w2 1 --b 6.8814 --derivatives',
        allow_abbrev=False,
    )
    add_practice_parser(sub)

    draw.add_argument("expression", help='the expression, quoted: "x**2 + 3*x"')
    draw.add_argument("--explain", metavar="NAME", action="append", default=[],
                      help="print the chain-rule ledger of d result / d NAME (repeatable; 'all' for every name)")
    _drawing_options(draw, "expression")
    # names that --NAME cannot give, since argparse takes them as the command's own options
    draw.set_defaults(option_names=frozenset(
        s[2:] for action in draw._actions for s in action.option_strings if s.startswith("--")
    ))
    return parser


def _name_values(
    extras: Sequence[str], expression: str, option_names: AbstractSet[str] = frozenset()
) -> Dict[str, float]:
    """``--NAME VALUE``, ``--NAME=VALUE`` and ``NAME=VALUE`` pairs as a dict of floats.

    A name in ``option_names`` (``out`` for ``--out``) can only be given as
    ``NAME=VALUE``: the hints say so.
    """
    values: Dict[str, float] = {}
    i = 0
    while i < len(extras):
        token = extras[i]
        if token.startswith("--"):
            body = token[2:]
            if "=" in body:
                name, text = body.split("=", 1)
            else:
                name = body
                if i + 1 >= len(extras):
                    raise UsageError(f"--{name} needs a value, e.g. --{name} 2.5")
                i += 1
                text = extras[i]
        elif "=" in token and not token.startswith("-"):
            name, text = token.split("=", 1)
        else:
            raise UsageError(
                f"unexpected argument {token!r}; give values as --NAME VALUE or NAME=VALUE"
                f"{_clash_hint(expression, option_names)}"
            )
        if not _NAME.match(name):
            raise UsageError(f"{name!r} is not a valid name (letters, digits and _, not starting with a digit)")
        try:
            number = float(text)
        except ValueError:
            raise UsageError(f"the value of {name!r} must be a number, got {text!r}") from None
        if not math.isfinite(number):
            raise UsageError(f"the value of {name!r} must be finite, got {text!r}")
        if name in values:
            raise UsageError(f"{name!r} is given twice")
        values[name] = number
        i += 1
    used = names_in(expression)
    missing = [n for n in used if n not in values]
    if missing:
        hint = " ".join(f"{n}=VALUE" if n in option_names else f"--{n} VALUE" for n in missing)
        raise UsageError(
            f"no value for {', '.join(map(repr, missing))} in {expression!r}: add {hint}"
            f"{_clash_hint(expression, option_names)}"
        )
    unused = [n for n in values if n not in used]
    if unused:
        raise UsageError(f"{', '.join(map(repr, unused))} not used in {expression!r} (a typo?)")
    return values


def _clash_hint(expression: str, option_names: AbstractSet[str]) -> str:
    """A note for the names of ``expression`` that are also options of the command, or ``""``."""
    try:
        clashes = [n for n in names_in(expression) if n in option_names]
    except ExprError:
        return ""
    if not clashes:
        return ""
    options = ", ".join(f"--{n}" for n in clashes)
    forms = " ".join(f"{n}=VALUE" for n in clashes)
    what = "is an option" if len(clashes) == 1 else "are options"
    return f" ({options} {what} of autonn draw: give {', '.join(map(repr, clashes))} as {forms})"


def _check_drawing_options(args: Any) -> None:
    if not 0 <= args.precision <= 17:
        raise UsageError(f"--precision must be from 0 to 17, got {args.precision}")
    if args.dot and args.no_diagram:
        raise UsageError("--dot prints the diagram as DOT text and --no-diagram asks for no diagram; give one of them")
    if args.dot and args.explain:
        raise UsageError("--dot and --explain both write to standard output; use -o FILE or --no-diagram")
    if args.out is not None and not (args.dot or args.no_diagram):  # as render checks, but in option words
        suffix = Path(args.out).suffix.lower().lstrip(".")
        if suffix and args.format and suffix != args.format:
            other = " or drop --format" if suffix in FORMATS else ""
            raise UsageError(f"-o {args.out} ends in .{suffix} but --format is {args.format}; "
                             f"name the file .{args.format}{other}")
        if suffix and suffix not in FORMATS:
            raise UsageError(f"-o {args.out}: cannot write a .{suffix} file; name it .svg, .png or .pdf")
        what = not_replaceable(args.out)
        if what is not None:  # checked before the work, and without opening it: a named pipe would block
            raise OSError(f"-o {args.out} is {what}, not a regular file; it is left as it is: "
                          "give the name of a regular file to replace or of a new one")


def _write_diagram(root: Any, args: Any, out: Any = sys.stdout) -> None:
    if args.no_diagram:
        return
    options = dict(
        derivatives=args.derivatives,
        show_grad=not args.no_grad,
        show_ops=not args.no_ops,
        rankdir=args.rankdir,
        legend=args.legend,
        precision=args.precision,
    )
    if args.dot:
        print(to_dot(root, **options).source, end="", file=out)
        return
    target = args.out if args.out is not None else f"{args.default_stem}.{args.format or 'svg'}"
    try:
        path = render(root, target, args.format, renderer=args.renderer, **options)
    except OSError as e:  # in the command's words: the file is the -o option's (or its default)
        reason = str(e.strerror or e)
        raise OSError(f"-o {target}: {reason[len('render: '):] if reason.startswith('render: ') else reason}") from None
    print(f"diagram written to {path}", file=out)


def _draw(args: Any, extras: List[str], out: Any) -> None:
    _check_drawing_options(args)
    values = _name_values(extras, args.expression, args.option_names)
    leaves = {name: Value(values[name], name) for name in names_in(args.expression)}
    result = evaluate(args.expression, leaves)
    result.backward()
    if not result.label and not result.is_leaf:
        result.label = "result"
    if not args.dot:  # the DOT text alone on standard output, so it can be piped
        print(f"{args.expression} = {result.data:.{args.precision}f}", file=out)
        print(f"gradients d({args.expression})/d(name):", file=out)
        width = max(len(n) for n in leaves) if leaves else 0
        for name, node in leaves.items():
            print(f"  {name:<{width}} = {node.data:<10g}  grad {node.grad:.{args.precision}f}", file=out)
    wanted = list(leaves) if "all" in args.explain else args.explain
    for name in wanted:
        if name not in leaves:
            raise UsageError(f"--explain {name}: {name!r} is not a name in {args.expression!r}")
        print(file=out)
        print(ledger(result, leaves[name], precision=args.precision), end="", file=out)
    if wanted and not args.no_diagram:
        print(file=out)
    _write_diagram(result, args, out)


def _demo(args: Any, out: Any) -> None:
    _check_drawing_options(args)
    if not 2 <= args.points <= MAX_POINTS:
        raise UsageError(f"--points must be from 2 to {MAX_POINTS}, got {args.points}")
    if not 0 <= args.steps <= MAX_STEPS:
        raise UsageError(f"--steps must be from 0 to {MAX_STEPS}, got {args.steps}")
    if args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {args.seed}")
    if not (math.isfinite(args.lr) and args.lr > 0):
        raise UsageError(f"--lr must be a positive number, got {args.lr}")
    _, loss = run_demo(points=args.points, steps=args.steps, lr=args.lr, seed=args.seed, file=out)
    if args.explain:
        w = _leaf(loss, "w")
        print(file=out)
        print(_which_loss(loss, args.points), file=out)
        print(ledger(loss, w, precision=args.precision), end="", file=out)
        x, y = make_line(args.points, seed=args.seed)
        rows = min(GRAPH_ROWS, args.points)
        mean_error_x, _ = closed_form_line_grads(w, _leaf(loss, "b"), x[:rows], y[:rows])
        print(
            "\nReading the ledger upwards, for each row i of the n in the graph:\n"
            "  grad(Error_i) = grad(Error_i**2) x 2 Error_i = (0.5 / n) x 2 Error_i = Error_i / n\n"
            "  grad(w*x_i)   = grad(pred_i) = grad(Error_i)   (+ and - pass a gradient on unchanged)\n"
            "  grad(w)       = sum_i grad(w*x_i) x x_i = sum_i Error_i x_i / n = mean(Error*x)\n"
            f"mean(Error*x) by the closed form (autonn.losses.closed_form_line_grads): {mean_error_x:.4f}",
            file=out,
        )
    if not args.no_diagram:
        if not args.dot:
            print(file=out)
        _write_diagram(loss, args, out)


def _which_loss(loss: Value, points: int) -> str:
    """The line that says which loss the ledger (and the diagram) are of: the table's step 0, or,
    for more than GRAPH_ROWS points, the same loss on the first rows only."""
    start = f"w = {ARTICLE_START[0]:g}, b = {ARTICLE_START[1]:g}"
    if points <= GRAPH_ROWS:
        return f"The ledger of the table's step 0: the loss on all {points} rows ({loss.data:.4f}) at {start}."
    return (f"The ledger of a smaller graph than the table's: the loss on the first {GRAPH_ROWS} of the {points} rows "
            f"({loss.data:.4f}, not step 0's {points}-row loss) at {start}; the same rules, few enough lines to read.")


def _leaf(root: Any, label: str) -> Value:
    """The leaf of ``root``'s graph labelled ``label``."""
    leaf: Value = next(n for n in topological_order(root) if n.is_leaf and n.label == label)
    return leaf


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the ``autonn`` command with ``argv`` (default: the process arguments); return the exit status."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    argv, leading_minus = _expression_with_leading_minus(argv)
    args, extras = parser.parse_known_args(argv)
    if leading_minus is not None:
        args.expression = leading_minus
    out = sys.stdout
    if args.command is None:
        parser.print_help(out)
        return 0
    try:
        if args.command == "draw":
            _draw(args, extras, out)
        elif args.command == "practice":
            if extras:
                raise UsageError(f"unrecognised arguments: {' '.join(extras)}")
            run_practice(args, out)
        else:
            if extras:
                raise UsageError(f"unrecognised arguments: {' '.join(extras)}")
            _demo(args, out)
    except (UsageError, ExprError) as exc:
        print(f"autonn {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (ArithmeticError, DomainError, RenderError, OSError) as exc:
        print(f"autonn {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except (ValueError, TypeError, MemoryError, RecursionError) as exc:
        # anything the library refused that the checks above did not foresee: still one line, never a traceback
        print(f"autonn {args.command}: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"autonn {args.command}: interrupted", file=sys.stderr)
        return 130  # the shell's status for a process ended by Ctrl-C (128 + SIGINT)
    return 0


_PLACEHOLDER = "0"


def _expression_with_leading_minus(argv: List[str]) -> Any:
    """``(argv, expression)`` where ``autonn draw "-x**2" --x 3`` would make argparse read
    ``-x**2`` as an option: the expression is set aside (a placeholder keeps its place)."""
    if len(argv) >= 2 and argv[0] == "draw":
        first = argv[1]
        if first.startswith("-") and not first.startswith("--") and first not in ("-o", "-h") and len(first) > 1:
            return [argv[0], _PLACEHOLDER] + argv[2:], first
    return argv, None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
