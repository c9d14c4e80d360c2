"""What :func:`autonn.testing.check_engine` found, as data and as the text a failing test shows."""

from __future__ import annotations

from typing import Dict, List, NamedTuple, Tuple

from .expression import Expression

__all__ = ["EngineMismatch", "Finding", "EngineReport", "NO_METHOD", "at_text"]

#: The reason given for an op the engine has no method for (the report lists those on one line).
NO_METHOD = "the engine's Value has no method"


class EngineMismatch(AssertionError):
    """The engine under test disagrees with autonn; the message is the report."""


class Finding(NamedTuple):
    """One disagreement: the op it is charged to, what differs, and the smallest expression showing it."""

    op: str  # the op whose step disagrees first ("" when no single op is to blame)
    kind: str  # "value", "gradient", "error" or "shared use"
    expression: Expression
    detail: str
    failing_points: str = ""  # e.g. "at 1 of 64 points", for an op checked on the grid
    also: Tuple[str, ...] = ()  # a few more failing expressions of the same kind, as text

    def __str__(self) -> str:
        where = f" ({self.failing_points})" if self.failing_points else ""
        lines = [f"{self.op or 'a graph of several ops'}: {_KIND_TEXT[self.kind]}{where}",
                 f"    {at_text(self.expression)}", f"    {self.detail}"]
        lines.extend(f"    also at {text}" for text in self.also)
        return "\n".join(lines)


_KIND_TEXT = {
    "value": "the value differs",
    "gradient": "a gradient differs",
    "shared use": "a gradient differs where a node is used more than once",
    "error": "the engine raises where autonn gives a number",
}


def at_text(expr: Expression) -> str:
    values = ", ".join(f"{n} = {v!r}" for n, v in zip(expr.names, expr.values))
    return f"{expr}   at {values}"


class EngineReport:
    """What :func:`check_engine` found: ops that agree, ops the engine lacks, and findings."""

    def __init__(self, engine: str, agree: List[str], unsupported: Dict[str, str], findings: List[Finding],
                 graphs_checked: int) -> None:
        self.engine = engine
        self.agree = agree
        self.unsupported = unsupported
        self.findings = findings
        self.graphs_checked = graphs_checked

    @property
    def ok(self) -> bool:
        """True if nothing the engine supports disagrees with autonn."""
        return not self.findings

    def by_op(self) -> Dict[str, List[Finding]]:
        """The findings, grouped by the op they are charged to."""
        groups: Dict[str, List[Finding]] = {}
        for f in self.findings:
            groups.setdefault(f.op, []).append(f)
        return groups

    def __str__(self) -> str:
        lines = [f"check_engine({self.engine}): {len(self.findings)} finding(s); "
                 f"{len(self.agree)} op(s) agree with autonn, {self.graphs_checked} random graph(s) checked"]
        if self.findings:
            lines.append("Differences, each with the smallest expression that shows it:")
            lines.extend("  " + str(f).replace("\n", "\n  ") for f in self.findings)
        lines.append("Agree: " + (", ".join(self.agree) or "none"))
        missing = [name for name, why in self.unsupported.items() if why.startswith(NO_METHOD)]
        if missing:
            lines.append(f"Not checked, the engine has no method of the name: {', '.join(missing)}")
        for name, why in self.unsupported.items():
            if name not in missing:
                lines.append(f"Not checked, the engine cannot build {name}: {why}")
        return "\n".join(lines)

    def assert_ok(self) -> None:
        """Raise :class:`EngineMismatch` (an AssertionError) with this report if anything differs."""
        if not self.ok:
            raise EngineMismatch(str(self))
