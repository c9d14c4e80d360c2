"""Data flows one way through the package: no module imports one above it."""

import ast
from pathlib import Path

import autonn

# Bottom to top.  A module may import only modules at its own level or below.
LAYERS = [
    ["_version", "mode", "arguments"],
    ["ops"],
    ["node", "fastpath"],
    ["graph", "guard", "lines"],
    ["backward", "forward"],
    ["value"],
    ["functional", "anomaly", "diagnose", "symbolic_grad"],
    ["gradcheck"],
    ["testing"],
    ["datasets"],
    ["nn"],
    ["losses"],
    ["flatparams"],
    ["optim", "train", "micrograd"],
    ["compile", "compiler"],
    ["viz", "explain", "expr", "plot"],
    ["practice"],
    ["cli", "__main__", "__init__"],
]
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}
PACKAGE = Path(autonn.__file__).parent


def _top_module(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 else rel.stem


def _imported(path: Path, tree: ast.AST):
    """Top-level autonn modules that ``path`` imports (relative or absolute)."""
    depth = len(path.relative_to(PACKAGE).parts) - 1
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                if node.level <= depth:
                    continue  # inside its own subpackage
                base = (node.module or "").split(".")[0]
                names = [base] if base else [a.name for a in node.names]
            elif node.module and node.module.split(".")[0] == "autonn":
                parts = node.module.split(".")
                names = [parts[1]] if len(parts) > 1 else [a.name for a in node.names]
            else:
                continue
            yield from names
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "autonn" and len(parts) > 1:
                    yield parts[1]


def test_every_module_is_placed_and_imports_only_below_itself():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        me = _top_module(path)
        if me not in RANK:
            problems.append(f"{me}: not placed in LAYERS")
            continue
        for target in _imported(path, ast.parse(path.read_text())):
            if target in RANK and RANK[target] > RANK[me]:
                problems.append(f"{path.relative_to(PACKAGE)} imports {target}, which is above it")
    assert not problems, "\n".join(problems)
