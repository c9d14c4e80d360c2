"""Small readers for DOT and SVG text, so diagram tests check what is really drawn."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from typing import Dict, List, Set

SVG_NS = "{http://www.w3.org/2000/svg}"

_NODE = re.compile(r"^\s*(n\d+(?:op)?|legend\w*)\s+\[(.*)\]\s*$")
_EDGE = re.compile(r"^\s*(\w+)\s*->\s*(\w+)(?:\s+\[(.*)\])?\s*$")


def node_statements(source: str) -> Dict[str, str]:
    """``{node id: attribute text}`` for every node statement of a DOT text made by to_dot."""
    found = {}
    for line in source.splitlines():
        m = _NODE.match(line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


def edge_statements(source: str) -> List[tuple]:
    """``[(tail, head, attribute text)]`` for every edge statement, in order."""
    edges = []
    for line in source.splitlines():
        m = _EDGE.match(line)
        if m:
            edges.append((m.group(1), m.group(2), m.group(3) or ""))
    return edges


def cluster_members(source: str) -> Dict[str, Set[str]]:
    """``{cluster name: ids of the nodes declared inside it, nested clusters included}``."""
    members: Dict[str, Set[str]] = {}
    open_clusters: List[str] = []
    for line in source.splitlines():
        m = re.match(r"^\s*subgraph (cluster\w*) \{\s*$", line)
        if m:
            open_clusters.append(m.group(1))
            members.setdefault(m.group(1), set())
            continue
        if line.strip() == "}" and open_clusters:
            open_clusters.pop()
            continue
        n = _NODE.match(line)
        if n:
            for c in open_clusters:
                members[c].add(n.group(1))
    return members


def svg_texts(svg: bytes) -> List[str]:
    """Every piece of text the SVG shows, in document order."""
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]


def svg_groups(svg: bytes, kind: str) -> List[ET.Element]:
    """The ``<g>`` elements whose class list holds ``kind`` (node, edge, cluster, or a role)."""
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{SVG_NS}g") if kind in (g.get("class") or "").split()]


def svg_fills(group: ET.Element) -> Set[str]:
    """Fill colours used inside an SVG group (lower case)."""
    return {(el.get("fill") or "").lower() for el in group.iter() if el.get("fill")}


def chromium(purpose: str) -> str:
    """The headless browser's program; the calling test is skipped, saying why, when none is installed."""
    import pytest

    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip(f"no Chromium installed (apt-get install chromium) to {purpose}")
