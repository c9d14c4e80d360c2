"""The ops as a Markdown table, made from the registry (the README's table is this text)."""

from __future__ import annotations

from .op import OPS

__all__ = ["markdown_table"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table() -> str:
    """One row per op: its name, what it computes, and its derivative formula(s)."""
    rows = ["| op | computes | derivative |", "|---|---|---|"]
    for op in OPS.values():
        rows.append(f"| `{op.name}` | {_cell(op.doc)} | {_cell('; '.join(op.formulas))} |")
    return "\n".join(rows)
