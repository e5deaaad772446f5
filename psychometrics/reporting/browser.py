"""Look at a report the way a person does: render it in headless Chromium.

Used by the report's browser test and by ``scripts/screenshot_report.py``. Only the
standard library: Chromium is started as a subprocess (Debian's ``chromium`` package), the
rendered DOM is read with ``--dump-dom``, and a small probe script, injected into a *copy*
of the report (the report itself has no scripts), measures every section and plot after
layout and records console errors, script errors, failed resource loads and
Content-Security-Policy violations into the DOM, where ``--dump-dom`` returns them.
Chromium's own console log (``--enable-logging=stderr``) is collected as well.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from html import escape as html_escape
from html import unescape
from pathlib import Path
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    # offline, as many hospital and university networks are: any fetch fails (and the
    # probe reports it) instead of quietly succeeding on a connected machine; a test
    # server on 127.0.0.1 (the LHC-Forms test) stays reachable
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]

# Runs first in <head>, before the report's CSP <meta>, so the policy does not block it.
PROBE = """<script>(function(){
var errs=[];
window.addEventListener('error',function(e){var t=e.target;
 errs.push(t&&t!==window?'resource failed: '+(t.src||t.href||t.tagName):'script error: '+e.message);
},true);
document.addEventListener('securitypolicyviolation',function(e){
 errs.push('CSP violation: '+e.violatedDirective+' '+e.blockedURI);});
['error','warn'].forEach(function(k){var f=console[k];console[k]=function(){
 errs.push('console.'+k+': '+Array.prototype.join.call(arguments,' '));
 f.apply(console,arguments);};});
window.addEventListener('load',function(){setTimeout(function(){
 var out={errors:errs,height:document.documentElement.scrollHeight,sections:[],svgs:[],
  maths:[],marked:document.querySelectorAll('.arithmatex').length};
 document.querySelectorAll('math').forEach(function(m){var r=m.getBoundingClientRect();
  var shown=m.cloneNode(true);
  shown.querySelectorAll('annotation').forEach(function(a){a.remove();});
  out.maths.push({width:r.width,height:r.height,errors:m.querySelectorAll('merror').length,
   text:shown.textContent.trim().slice(0,80)});});
 document.querySelectorAll('section[id]').forEach(function(s){var r=s.getBoundingClientRect();
  out.sections.push({id:s.id,status:s.getAttribute('data-status'),width:r.width,
   height:r.height,visible:getComputedStyle(s).display!=='none',
   heading:(s.querySelector('h2')||{}).textContent||''});});
 document.querySelectorAll('svg').forEach(function(g){var r=g.getBoundingClientRect();
  var bb=g.getBBox();out.svgs.push({section:(g.closest('section')||{}).id||'',
   width:r.width,height:r.height,content:bb.width*bb.height,
   title:(g.querySelector('title')||{}).textContent||''});});
 var small=[],minFont=1e9;
 document.querySelectorAll('body *').forEach(function(el){
  if(el.closest('title,desc,style,script,head'))return;
  var own=Array.prototype.some.call(el.childNodes,function(n){
   return n.nodeType===3&&n.textContent.trim();});
  if(!own)return;var r=el.getBoundingClientRect();if(!r.width||!r.height)return;
  var st=getComputedStyle(el);if(st.visibility==='hidden'||st.display==='none')return;
  var size=parseFloat(st.fontSize),svg=el.closest('svg');
  if(svg){var vb=svg.viewBox&&svg.viewBox.baseVal;var sr=svg.getBoundingClientRect();
   if(vb&&vb.width)size=size*sr.width/vb.width;}
  if(size<minFont)minFont=size;
  if(size<9&&small.length<20)small.push(el.tagName+' '+size.toFixed(1)+'px: '
   +el.textContent.trim().slice(0,40));});
 var spill=[];
 document.querySelectorAll('body *').forEach(function(el){
  if(el.closest('svg')||spill.length>=20)return;var st=getComputedStyle(el);
  if(st.overflowX!=='visible'||!el.clientWidth)return;
  if(el.scrollWidth>el.clientWidth+1)spill.push(el.tagName+'.'+el.className+' '
   +el.scrollWidth+'>'+el.clientWidth+': '+(el.textContent||'').trim().slice(0,40));});
 out.layout={viewport:window.innerWidth,scrollWidth:document.documentElement.scrollWidth,
  bodyWidth:document.body.scrollWidth,minFont:minFont,small:small,spill:spill};
 var pre=document.createElement('pre');pre.id='render-check';pre.textContent=JSON.stringify(out);
 // in a narrow frame (see _framed) the result goes to the top document, which is dumped
 (window.frameElement?parent.document:document).body.appendChild(pre);},0);});
})();</script>"""


# Headless Chromium will not make a window narrower than this; narrower layouts (a phone)
# are rendered in an iframe of the wanted width inside such a window.
MIN_WINDOW = 500


def _framed(page: str, width: int, height: int) -> str:
    """``page`` in an iframe ``width`` px wide (same origin, so the probe can report)."""
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{margin:0}'
            'iframe{border:0;display:block}</style></head><body>'
            f'<iframe width="{width}" height="{height}" srcdoc="{html_escape(page)}">'
            "</iframe></body></html>")


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome binary, or None. ``$CHROMIUM`` wins if set."""
    env = os.environ.get("CHROMIUM")
    if env and Path(env).is_file():
        return env
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def _binary(binary: str | None) -> str:
    found = binary or find_chromium()
    if found is None:
        raise FileNotFoundError("no Chromium binary found (install Debian's 'chromium')")
    return found


@dataclass(frozen=True)
class Rendering:
    """What Chromium made of a page."""

    dom: str  # the serialized DOM after load (includes the probe's <pre id="render-check">)
    probe: dict[str, Any]  # sections, svgs, errors and page height measured in the page
    console: list[str]  # console messages Chromium logged on stderr
    stderr: str


def _run(binary: str, args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="psychometrics-chromium-") as profile:
        cmd = [binary, *FLAGS, f"--user-data-dir={profile}", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              check=False)


def render(html: str, *, binary: str | None = None, width: int = 1200, height: int = 900,
           timeout: float = 60.0, base: str | os.PathLike[str] | None = None) -> Rendering:
    """Open ``html`` (a complete document) in headless Chromium and measure what rendered.

    ``base``: the folder the page is opened from, so that its relative links (a built
    site's CSS and scripts) resolve; by default a new empty folder.
    """
    binary = _binary(binary)
    probed = re.sub(r"<head>", "<head>" + PROBE, html, count=1)
    window = width
    if width < MIN_WINDOW:
        probed, window = _framed(probed, width, height), MIN_WINDOW
    with tempfile.TemporaryDirectory(prefix="psychometrics-render-", dir=base) as tmp:
        page = Path(tmp) / "page.html"
        if base is not None:  # beside the original, not in a subfolder of it
            page = Path(base) / f".probe-{Path(tmp).name}.html"
        page.write_text(probed, encoding="utf-8")
        proc = _run(binary, ["--enable-logging=stderr", "--v=0",
                             f"--window-size={window},{height}",
                             "--virtual-time-budget=10000", "--dump-dom", page.as_uri()],
                    timeout)
        page.unlink(missing_ok=True)
    match = re.search(r'<pre id="render-check">(.*?)</pre>', proc.stdout, re.S)
    if proc.returncode != 0 or match is None:
        raise RuntimeError(f"Chromium did not render the page (exit {proc.returncode}):\n"
                           f"{proc.stderr[-2000:]}")
    probe = json.loads(unescape(match.group(1)))
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return Rendering(proc.stdout, probe, console, proc.stderr)


def screenshot(html: str, png: str | os.PathLike[str], *, binary: str | None = None,
               width: int = 1200, height: int | None = None, max_height: int = 16000,
               timeout: float = 60.0) -> Path:
    """Save a PNG of the page; without ``height`` the whole page (up to ``max_height``).

    Below 500 px (headless Chromium's narrowest window) the page is laid out in a frame of
    ``width`` px at the left of a 500 px wide image.
    """
    binary = _binary(binary)
    if height is None:
        height = min(int(render(html, binary=binary, width=width).probe["height"]) + 8,
                     max_height)
    window = width
    if width < MIN_WINDOW:
        html, window = _framed(html, width, height), MIN_WINDOW
    out = Path(png).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="psychometrics-shot-") as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(html, encoding="utf-8")
        proc = _run(binary, [f"--window-size={window},{height}", f"--screenshot={out}",
                             "--virtual-time-budget=10000", page.as_uri()], timeout)
    if proc.returncode != 0 or not out.is_file():
        raise RuntimeError(f"Chromium could not take the screenshot (exit {proc.returncode}):"
                           f"\n{proc.stderr[-2000:]}")
    return out
