"""Write docs/API.md, the API reference, from the docstrings of every public name.

    python docs/build_api.py          # rewrite docs/API.md
    python docs/build_api.py --check  # exit 1 if docs/API.md is out of date

A short script on the standard library's ``inspect`` rather than a documentation
generator: it needs nothing installed, its output is plain Markdown that reads
the same on an index page, on GitHub and in a terminal, and a test checks the
committed file against the code (every public name, with its docstring), so
the reference cannot fall behind.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: The public modules, in the order a reader meets them.
MODULES = ["autonn", "autonn.nn", "autonn.losses", "autonn.optim", "autonn.train", "autonn.compiler",
           "autonn.datasets", "autonn.ops", "autonn.viz", "autonn.expr", "autonn.testing", "autonn.plot",
           "autonn.micrograd", "autonn.practice"]
#: The package's other modules, and why they have no section of their own (a test checks that every
#: module of the package is in MODULES or here, so a new one is never left out by accident).
NOT_LISTED = {
    "autonn.anomaly": "its public names are autonn's (detect_anomaly, AnomalyError)",
    "autonn.explain": "its public names are autonn's (explain, ledger)",
    "autonn.functional": "its public names are autonn's (grad, value_and_grad, jacobian, ...)",
    "autonn.gradcheck": "its public names are autonn's (gradcheck, GradcheckError)",
    "autonn.mode": "its public names are autonn's (no_grad, is_grad_enabled)",
    "autonn.value": "its public names are autonn's (Value, Constant, register_op, ...)",
    "autonn.flatparams": "FlatParameters is reached as a compiled step's .flat, documented there",
    "autonn.cli": "the autonn command, documented by autonn --help and the README",
    "autonn.arguments": "internal: argument checks",
    "autonn.backward": "internal: the reverse pass behind Value.backward",
    "autonn.forward": "internal: the forward-mode pass behind autonn.jvp",
    "autonn.graph": "internal: graph walks",
    "autonn.guard": "internal: the compiler's trace guard (TraceError is autonn's)",
    "autonn.node": "internal: the node layout",
    "autonn.fastpath": "internal: Value's operators and backward()'s loop, generated from the rules (see docs/ENGINE.md)",
    "autonn.symbolic_grad": "its public names are autonn's (formula, export, SymbolicError)",
    "autonn.diagnose": "its public name is autonn's (diagnose); Diagnosis and Finding are what it returns",
    "autonn.lines": "internal: the user's lines recorded while detect_anomaly is on",
}
OUTPUT = ROOT / "docs" / "API.md"


def public_names(module) -> List[str]:
    names = list(getattr(module, "__all__", []))
    # names kept out of __all__ so a star import does not hide builtins, but public all the same
    for extra in ("sum", "compile"):
        if extra not in names and callable(getattr(module, extra, None)) and module.__name__ == "autonn":
            names.append(extra)
    return names


def _annotation(a) -> str:
    return a if isinstance(a, str) else getattr(a, "__name__", repr(a))


def _signature(obj) -> str:
    """The call signature as written in the source (annotations are strings there)."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return ""
    parts = []
    star_done = False
    for p in sig.parameters.values():
        text = p.name
        if p.kind == p.VAR_POSITIONAL:
            text, star_done = "*" + text, True
        elif p.kind == p.VAR_KEYWORD:
            text = "**" + text
        elif p.kind == p.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        if p.annotation is not p.empty:
            text += f": {_annotation(p.annotation)}"
        if p.default is not p.empty:
            text += f" = {p.default!r}" if p.annotation is not p.empty else f"={p.default!r}"
        parts.append(text)
    ret = "" if sig.return_annotation is sig.empty else f" -> {_annotation(sig.return_annotation)}"
    return f"({', '.join(parts)}){ret}"


def _entry(qualname: str, obj) -> List[str]:
    doc = inspect.getdoc(obj) or ""
    if inspect.isclass(obj):
        lines = [f"### `{qualname}{_signature(obj)}`", "", doc, ""]
        for name, member in sorted(vars(obj).items()):
            if name.startswith("_") and name not in ("__call__",):
                continue
            target = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
            if not callable(target) and not isinstance(member, property):
                continue
            mdoc = inspect.getdoc(target) or ""
            kind = "property" if isinstance(member, property) else "method"
            sig = "" if isinstance(member, property) else _signature(target)
            lines += [f"- `{name}{sig}` ({kind}): {mdoc.splitlines()[0] if mdoc else ''}"]
        return lines + [""]
    if callable(obj):
        return [f"### `{qualname}{_signature(obj)}`", "", doc, ""]
    return [f"### `{qualname}`", "", doc if isinstance(obj, (type, type(inspect))) else f"A value: `{type(obj).__name__}`.", ""]


def build() -> str:
    out = ["# autonn API reference", "",
           "Made from the docstrings by `python docs/build_api.py`; a test checks that every public name is here with its docstring.", ""]
    for modname in MODULES:
        try:
            module = importlib.import_module(modname)
        except ImportError:
            continue
        out += [f"## `{modname}`", "", (inspect.getdoc(module) or "").split("\n\n")[0], ""]
        for name in public_names(module):
            out += _entry(f"{modname}.{name}", getattr(module, name))
    return "\n".join(out).rstrip() + "\n"


def undocumented() -> List[str]:
    """Public names (and public methods of public classes) without a docstring."""
    missing = []
    for modname in MODULES:
        try:
            module = importlib.import_module(modname)
        except ImportError:
            continue
        for name in public_names(module):
            obj = getattr(module, name)
            if (callable(obj) or inspect.isclass(obj)) and not inspect.getdoc(obj):
                missing.append(f"{modname}.{name}")
            if inspect.isclass(obj):
                for mname, member in vars(obj).items():
                    if mname.startswith("_"):
                        continue
                    target = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
                    if callable(target) and not inspect.getdoc(target):
                        missing.append(f"{modname}.{name}.{mname}")
    return missing


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/API.md is out of date")
    args = parser.parse_args(argv)
    text = build()
    if args.check:
        same = OUTPUT.exists() and OUTPUT.read_text(encoding="utf-8") == text
        print("docs/API.md is up to date" if same else "docs/API.md is out of date: run python docs/build_api.py")
        return 0 if same else 1
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
