"""The live view's HTML: one frame (step, loss, pictures), the page that shows it, and the data file it polls.

A page opened from disk (``file://``) may not ``fetch`` a file next to it, but
it may load a script: while training runs, the page adds
``<script src="NAME.data.js?t=...">`` every few hundred milliseconds, and the
data file calls ``autonnLive({...})`` with the newest frame.  The page itself
holds the frame it was written with, so it stays a complete record after
training ends, with nothing else needed.
"""

from __future__ import annotations

import html
import json
from typing import Optional, Sequence

__all__ = ["frame_html", "figure", "page_html", "data_js", "STYLE", "POLL_MS"]

#: How often the page looks for a new frame, in milliseconds.
POLL_MS = 250

STYLE = """
body { font-family: sans-serif; margin: 1em; color: #222; }
.live { display: flex; flex-wrap: wrap; gap: 1.2em; align-items: flex-start; }
.live figure { margin: 0; }
.live figcaption { font-size: 12px; color: #555; margin-bottom: 2px; }
.live .head { font-size: 15px; margin-bottom: 0.6em; }
.live .note { font-size: 12px; color: #555; max-width: 60em; }
.live table { font-size: 12px; border-collapse: collapse; }
.live td, .live th { padding: 1px 6px; text-align: right; }
"""


def frame_html(title: str, step: int, epochs: Optional[int], loss: float, pictures: Sequence[str],
               recorded: Sequence[int], running: bool) -> str:
    """One frame: the step counter, the loss, the pictures (``(caption, svg)`` pairs joined) and the recorded steps."""
    of = f" of {epochs}" if epochs else ""
    state = "training" if running else "finished"
    shown = list(recorded[-12:])
    more = f"{len(recorded) - len(shown)} earlier and " if len(recorded) > len(shown) else ""
    steps = ", ".join(str(s) for s in shown)
    return (f'<div class="live"><div style="flex-basis:100%" class="head"><b>{html.escape(title)}</b> '
            f'&nbsp; step <span id="step">{step}</span>{of} &nbsp; loss <span id="loss">{loss:.6g}</span> '
            f'&nbsp; <span id="state">{state}</span></div>'
            f'{"".join(pictures)}'
            f'<div style="flex-basis:100%" class="note">Recorded steps ({more}the last {len(shown)}): {steps}. '
            f'Open one in the player, with its ledger: <code>live.player(step, "step.html")</code>.</div></div>')


def figure(caption: str, svg: str) -> str:
    """A picture with its caption above it."""
    return f"<figure><figcaption>{html.escape(caption)}</figcaption>{svg}</figure>"


def page_html(title: str, frame: str, data_file: str, running: bool) -> str:
    """The whole page: ``frame`` now, and (while ``running``) the newest frame from ``data_file`` every moment."""
    script = f"""
var running = {json.dumps(running)};
window.autonnLive = function (d) {{
  document.getElementById('frame').innerHTML = d.html;
  if (!d.running) {{ running = false; }}
}};
function poll() {{
  if (!running) {{ return; }}
  var s = document.createElement('script');
  s.src = {json.dumps(data_file)} + '?t=' + Date.now();
  s.onload = s.onerror = function () {{ s.remove(); setTimeout(poll, {POLL_MS}); }};
  document.head.appendChild(s);
}}
poll();
"""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<style>{STYLE}</style></head><body><div id="frame">{frame}</div>'
            f'<script>{script}</script></body></html>\n')


def data_js(frame: str, running: bool) -> str:
    """The data file's text: one call handing the page the newest frame."""
    return f"autonnLive({json.dumps({'running': running, 'html': frame})});\n"
