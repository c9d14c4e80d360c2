"""The player's page: one HTML file with its style, script, picture and steps inline.

Nothing is fetched from the network.  The script reads the steps (JSON in
the page), shows step ``N`` of a ``#step=N`` address (so a link, or a
browser's screenshot, can open any step), and marks the node at work with
the class ``current`` and the nodes whose gradient grows with ``receiving``.
``document.body`` carries ``data-step``, ``data-phase`` and ``data-current``
(the id of the node at work) for anyone checking the page.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Sequence
from xml.sax.saxutils import escape

from .style import visible_text

__all__ = ["page_html"]

_STYLE = """
body { font-family: sans-serif; margin: 0; color: #222; }
header { padding: 8px 14px; border-bottom: 1px solid #ddd; }
h1 { font-size: 17px; margin: 4px 0; }
#controls { display: flex; gap: 8px; align-items: center; padding: 6px 14px; flex-wrap: wrap; }
#controls button { font-size: 14px; padding: 3px 10px; }
#slider { flex: 1; min-width: 160px; }
#counter { font-family: monospace; min-width: 12em; }
main { display: flex; gap: 12px; padding: 6px 14px; align-items: flex-start; }
#picture { flex: 3; overflow: auto; border: 1px solid #eee; max-height: 80vh; }
aside { flex: 2; min-width: 320px; }
#step-title { font-size: 15px; margin: 4px 0 8px; }
#step-lines { font-family: monospace; font-size: 13px; white-space: pre-wrap; background: #f8f8f8;
  padding: 8px; border-left: 4px solid #999; margin: 0; }
body[data-phase=forward] #step-lines { border-left-color: #d62728; }
body[data-phase=backward] #step-lines { border-left-color: #1f77b4; }
#key { font-size: 12px; color: #555; }
svg text { font-family: monospace; font-size: 12px; }
.node rect { stroke: #666; stroke-width: 1; }
.node:not(.computed) text[id$="-data"] { fill: #aaa; }
.node.current rect { stroke: #d62728; stroke-width: 4; }
body[data-phase=backward] .node.current rect { stroke: #1f77b4; }
.node.receiving rect { stroke: #1f77b4; stroke-width: 3; stroke-dasharray: 5 2; }
body[data-phase=done] .node.receiving rect { stroke: #2ca02c; stroke-dasharray: none; }
.edge path { stroke: #aaa; fill: none; stroke-width: 1.2; }
.edge.active path { stroke: #d62728; stroke-width: 3; }
.edge.active.backward path { stroke: #1f77b4; }
.slope { font-size: 11px; fill: #1f77b4; font-weight: bold; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
#picture.fit svg { width: 100%; height: auto; }
marker path { fill: #888; }
"""

_SCRIPT = """
(function () {
  var steps = JSON.parse(document.getElementById('steps').textContent);
  var last = steps.length - 1, current = 0, timer = null;
  var slider = document.getElementById('slider'), play = document.getElementById('play');
  function el(id) { return document.getElementById(id); }
  function text(id, value) { var e = el(id); if (e) { e.textContent = value; } }
  function each(selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); }
  function show(n) {
    n = Math.max(0, Math.min(last, n | 0));
    current = n;
    each('#graph .node', function (g) { g.setAttribute('class', 'node'); });
    each('#graph .edge', function (g) { g.setAttribute('class', 'edge'); });
    each('#graph text[id$="-data"]', function (t) { t.textContent = 'data ?'; });
    each('#graph text[id$="-grad"]', function (t) { t.textContent = 'grad ?'; });
    each('#graph text.slope', function (t) { t.textContent = ''; });
    for (var i = 0; i <= n; i++) {
      var s = steps[i], id;
      for (id in s.data) { text(id + '-data', 'data ' + s.data[id]); if (el(id)) { el(id).classList.add('computed'); } }
      for (id in s.grad) { text(id + '-grad', 'grad ' + s.grad[id]); }
      for (id in s.slopes) { text(id + '-slope', '\\u2202=' + s.slopes[id]); }
    }
    var step = steps[n];
    if (step.node && el(step.node)) { el(step.node).classList.add('current'); }
    step.edges.forEach(function (id) { if (el(id)) { el(id).classList.add('active'); el(id).classList.add(step.phase); } });
    step.receivers.forEach(function (id) { if (el(id)) { el(id).classList.add('receiving'); } });
    text('step-title', step.title);
    text('step-lines', step.lines.join('\\n'));
    text('counter', 'step ' + n + ' of ' + last + ' (' + step.phase + ')');
    slider.value = n;
    document.body.setAttribute('data-step', n);
    document.body.setAttribute('data-phase', step.phase);
    document.body.setAttribute('data-current', step.node || '');
    if (step.node && el(step.node) && el(step.node).scrollIntoView) {
      el(step.node).scrollIntoView({block: 'nearest', inline: 'nearest'});
    }
  }
  function stop() { if (timer) { clearInterval(timer); timer = null; } play.textContent = '\\u25b6 play'; }
  function start() {
    if (current >= last) { show(0); }
    play.textContent = '\\u275a\\u275a pause';
    timer = setInterval(function () { if (current >= last) { stop(); } else { show(current + 1); } },
                        +document.getElementById('speed').value);
  }
  play.onclick = function () { if (timer) { stop(); } else { start(); } };
  el('next').onclick = function () { stop(); show(current + 1); };
  el('back').onclick = function () { stop(); show(current - 1); };
  el('first').onclick = function () { stop(); show(0); };
  el('speed').onchange = function () { if (timer) { stop(); start(); } };
  slider.oninput = function () { stop(); show(+slider.value); };
  document.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowRight') { stop(); show(current + 1); }
    else if (e.key === 'ArrowLeft') { stop(); show(current - 1); }
    else if (e.key === ' ') { e.preventDefault(); play.onclick(); }
  });
  function fromAddress() {
    var m = /step=(\\d+)/.exec(window.location.hash);
    return m ? +m[1] : 0;
  }
  window.addEventListener('hashchange', function () { stop(); show(fromAddress()); });
  el('fit').onchange = function () { el('picture').className = el('fit').checked ? 'fit' : ''; };
  // Fit the picture to the pane unless that would shrink its text below about two thirds.
  var natural = +el('graph').getAttribute('width');
  el('fit').checked = natural <= 1.5 * el('picture').clientWidth;
  el('fit').onchange();
  slider.max = last;
  show(fromAddress());
  if (document.body.getAttribute('data-autoplay') === 'yes' && !window.location.hash) { start(); }
})();
"""

_KEY = (
    "Forward (red): each node is computed from its inputs. Backward (blue): each node hands "
    "grad(node) x \u2202 to its inputs, \u2202 being its op's local derivative (written on the edge); "
    "a value used several times adds up what it receives (dashed: receiving now). "
    "Colours: blue input, orange parameter, grey constant, green output. Keys: \u2190 \u2192 step, space play."
)


def page_html(title: str, svg: str, steps: Sequence[Dict[Any, Any]], *, autoplay: bool = False, note: str = "") -> str:
    """The whole page: ``svg`` (the picture, its parts named by id) and ``steps`` (see
    :class:`~autonn.viz.player_steps.Step`)."""
    # "</script" or "<!--" inside a script element would change how it is read; JSON may spell "<" as \u003c.
    # ASCII only: a lone surrogate or a noncharacter in a label stays an escape inside the JSON, never raw page text.
    data = json.dumps(steps, ensure_ascii=True, separators=(",", ":")).replace("<", "\\u003c")
    note_html = f'<p id="note">{escape(visible_text(note))}</p>' if note else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{escape(visible_text(title))}</title>'
        f"<style>{_STYLE}</style></head>\n"
        f'<body data-step="0" data-phase="forward" data-current="" data-autoplay="{"yes" if autoplay else "no"}">\n'
        f"<header><h1>{escape(visible_text(title))}</h1>{note_html}</header>\n"
        '<div id="controls"><button id="first" title="back to the start">|\u25c0 start</button>'
        '<button id="back" title="previous step (\u2190)">\u25c0 back</button>'
        '<button id="play" title="play / pause (space)">\u25b6 play</button>'
        '<button id="next" title="next step (\u2192)">next \u25b6</button>'
        f'<input type="range" id="slider" min="0" max="{len(steps) - 1}" value="0" aria-label="step">'
        '<span id="counter"></span><label><input type="checkbox" id="fit" checked> fit</label>'
        '<label>speed <select id="speed"><option value="1600">slow</option>'
        '<option value="800" selected>normal</option><option value="300">fast</option></select></label></div>\n'
        f'<main><div id="picture">{svg}</div>\n'
        '<aside><h2 id="step-title"></h2><pre id="step-lines"></pre>'
        f'<p id="key">{escape(_KEY)}</p></aside></main>\n'
        f'<script type="application/json" id="steps">{data}</script>\n'
        f"<script>{_SCRIPT}</script>\n</body></html>\n"
    )
