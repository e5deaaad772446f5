"""LHC-Forms (npm ``lforms``, the NLM's FHIR form engine) renders our Questionnaires in
headless Chromium and scores them as :func:`psychometrics.score` does.

For each shipped instrument the exported Questionnaire is opened with LHC-Forms and
answered twice per response: by clicking the radio button of each answer in the rendered
form (blanks left unclicked), and by loading the same answers through LHC-Forms' own
``questionnaireResponse`` option, the way an app reopens saved answers. LHC-Forms evaluates
every score item's
``calculatedExpression`` with its FHIRPath engine; the scores it writes into the
QuestionnaireResponse it produces must equal ``pm.score``, empty where the missing-item
rule gives no score. The option scores LHC-Forms reads (``itemWeight``) are checked too:
they must be the keyed scores, reversed for reverse-keyed items; and the radio buttons must
show our labels (with LHC-Forms' ``displayScoreWithAnswerText: false``, so that respondents
do not see the keyed scores).

lforms is installed from the npm registry (pinned in ``tests/lforms/package.json``) into a
cache folder outside the repository: ``$PSYCHOMETRICS_LFORMS_DIR``, else
``~/.cache/psychometrics/lforms-<version>``; ``.ci/run`` installs it there. Files are served
from 127.0.0.1 only; nothing is fetched from elsewhere. Skipped with the reason when
Chromium, npm or the package is missing.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import warnings
from html import unescape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from psychometrics import list_instruments, load_instrument, read_fhir_responses, score
from psychometrics.errors import PsychometricsWarning
from psychometrics.exports.fhir import score_link_ids, to_fhir_questionnaire
from psychometrics.reporting.browser import FLAGS, find_chromium

PACKAGE = Path(__file__).parent / "lforms" / "package.json"
VERSION = json.loads(PACKAGE.read_text(encoding="utf-8"))["dependencies"]["lforms"]
BUILTIN = list_instruments()
TOL = 1e-9  # LHC-Forms' FHIRPath decimals against float64
CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium binary found "
                                "(apt-get install chromium; CI installs it)")


def lforms_dir() -> Path:
    """The folder whose node_modules holds lforms, installed with npm when missing."""
    root = Path(os.environ.get("PSYCHOMETRICS_LFORMS_DIR") or
                Path.home() / ".cache" / "psychometrics" / f"lforms-{VERSION}")
    dist = root / "node_modules" / "lforms" / "dist" / "lforms"
    if (dist / "webcomponent" / "main.js").is_file():
        return dist
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed (needed once to install lforms from the registry)")
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(PACKAGE, root / "package.json")
    # --legacy-peer-deps: lforms' own dist is self-contained; its Angular peers are not used.
    proc = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--ignore-scripts",
                           "--legacy-peer-deps", "--loglevel=error"], cwd=root,
                          capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0 or not (dist / "webcomponent" / "main.js").is_file():
        pytest.skip(f"could not install lforms {VERSION} with npm: {proc.stderr[-500:]}")
    return dist


PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/lforms/webcomponent/styles.css"></head>
<body><div id="form"></div><pre id="result"></pre>
<script src="/lforms/webcomponent/assets/lib/zone.min.js"></script>
<script src="/lforms/webcomponent/runtime.js"></script>
<script src="/lforms/webcomponent/polyfills.js"></script>
<script src="/lforms/webcomponent/main.js"></script>
<script src="/lforms/fhir/lformsFHIRAll.min.js"></script>
<script>
var CASES = __CASES__;
var out = {errors: [], results: []};
window.addEventListener('error', function (e) { out.errors.push(String(e.message)); });
function finish() { document.getElementById('result').textContent = JSON.stringify(out); }
function ready(then) {
  if (window.LForms && LForms.Util && LForms.Util.addFormToPage) { then(); }
  else { setTimeout(function () { ready(then); }, 20); }
}
// Each response is given twice: clicked into the rendered form as a person does (the
// radio button of each answer; blanks left unclicked), and loaded as saved answers.
function run(c, r, how) {
  if (c >= CASES.length) { return finish(); }
  var kase = CASES[c];
  if (r >= kase.responses.length) { return run(c + 1, 0, 'click'); }
  var next = how === 'click' ? function () { run(c, r, 'load'); }
                             : function () { run(c, r + 1, 'click'); };
  var el = document.getElementById('form');
  var options = {fhirVersion: kase.version, displayScoreWithAnswerText: false};
  if (how === 'load') { options.questionnaireResponse = kase.responses[r]; }
  LForms.Util.addFormToPage(kase.q, el, options).then(function () {
    var shown = {};
    if (how === 'click') {
      Object.keys(kase.clicks[r]).forEach(function (link) {
        var radios = el.querySelectorAll('input[type=radio][name="radiogroup_' + link + '/1"]');
        shown[link] = Array.prototype.map.call(radios, function (x) {
          return (x.closest('label') || {}).textContent.trim(); });
        radios[kase.clicks[r][link]].click();
      });
    }
    setTimeout(function () {
      var qr = LForms.Util.getFormFHIRData('QuestionnaireResponse', kase.version, el);
      var res = {instrument: kase.id, version: kase.version, row: r, how: how, scores: {},
                 weights: {}, shown: shown, qr: qr};
      (qr.item || []).forEach(function (it) {
        if (it.answer && it.answer[0] && 'valueDecimal' in it.answer[0]) {
          res.scores[it.linkId] = it.answer[0].valueDecimal;
        }
      });
      if (r === 0) {
        LForms.Util.getUserData(el, false, true, true).itemsData.forEach(function (it) {
          res.weights[it.linkId] = (it.answers || []).map(function (a) { return a.score; });
        });
      }
      out.results.push(res);
      next();
    }, 50);
  }, function (e) { out.errors.push('addFormToPage: ' + String(e)); next(); });
}
ready(function () { run(0, 0, 'click'); });
</script></body></html>"""


def _responses(q: dict[str, Any], data: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for _, row in data.iterrows():
        items = []
        for item in q["item"]:
            if "answerOption" not in item or np.isnan(row[item["linkId"]]):
                continue
            code = str(int(row[item["linkId"]]))
            coding = next(o["valueCoding"] for o in item["answerOption"]
                          if o["valueCoding"]["code"] == code)
            items.append({"linkId": item["linkId"], "answer": [{"valueCoding": coding}]})
        out.append({"resourceType": "QuestionnaireResponse", "status": "in-progress",
                    "item": items})
    return out


def _clicks(q: dict[str, Any], data: pd.DataFrame) -> list[dict[str, int]]:
    """linkId -> position of the answer's radio button (options are in code order)."""
    out = []
    for _, row in data.iterrows():
        out.append({item["linkId"]: [o["valueCoding"]["code"] for o in item["answerOption"]]
                    .index(str(int(row[item["linkId"]])))
                    for item in q["item"]
                    if "answerOption" in item and not np.isnan(row[item["linkId"]])})
    return out


def _data(iid: str, n: int = 8) -> pd.DataFrame:
    """Complete answers, one or two blanks, and rows with too many blanks for a score."""
    inst = load_instrument(iid)
    rng = np.random.default_rng(40)
    frame = pd.DataFrame({i: rng.choice(inst.item_scale(i).values, size=n)
                          for i in inst.item_ids}).astype(float)
    for r in range(1, n):
        blanks = rng.choice(inst.item_ids, size=min(r, len(inst.item_ids) - 1),
                            replace=False)
        frame.loc[r, list(blanks)] = np.nan
    return frame


@pytest.fixture(scope="module")
def rendered() -> dict[str, Any]:
    dist = lforms_dir()
    cases, data = [], {}
    for iid in BUILTIN:
        data[iid] = _data(iid)
        for version in ("R4", "R5"):
            q = to_fhir_questionnaire(iid, fhir_version=version)
            cases.append({"id": iid, "version": version, "q": q,
                          "responses": _responses(q, data[iid]),
                          "clicks": _clicks(q, data[iid])})
    with tempfile.TemporaryDirectory(prefix="psychometrics-lforms-") as tmp:
        root = Path(tmp)
        (root / "lforms").symlink_to(dist, target_is_directory=True)
        (root / "index.html").write_text(PAGE.replace("__CASES__", json.dumps(cases)),
                                         encoding="utf-8")
        handler = functools.partial(_QuietHandler, directory=str(root))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with tempfile.TemporaryDirectory(prefix="psychometrics-chromium-") as profile:
                proc = subprocess.run(
                    [CHROMIUM, *FLAGS, f"--user-data-dir={profile}",
                     "--virtual-time-budget=120000", "--dump-dom",
                     f"http://127.0.0.1:{server.server_address[1]}/index.html"],
                    capture_output=True, text=True, timeout=300, check=False)
        finally:
            server.shutdown()
            server.server_close()
    start = proc.stdout.find('<pre id="result">')
    end = proc.stdout.find("</pre>", start)
    text = unescape(proc.stdout[start + len('<pre id="result">'):end]) if start >= 0 else ""
    if not text:
        raise AssertionError(f"LHC-Forms produced no result (exit {proc.returncode}): "
                             f"{proc.stderr[-1500:]}")
    return {"out": json.loads(text), "data": data}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_lhc_forms_loads_every_questionnaire(rendered: dict[str, Any]) -> None:
    out = rendered["out"]
    assert out["errors"] == []
    got = {(r["instrument"], r["version"]) for r in out["results"]}
    assert got == {(i, v) for i in BUILTIN for v in ("R4", "R5")}


@pytest.mark.parametrize("iid", BUILTIN)
def test_lhc_forms_reads_the_keyed_option_scores(iid: str, rendered: dict[str, Any]) -> None:
    inst = load_instrument(iid)
    for res in rendered["out"]["results"]:
        if res["instrument"] != iid or res["row"] != 0 or res["how"] != "click":
            continue
        for item in inst.items:
            rs = inst.item_scale(item.id)
            want = [rs.min + rs.max - v for v in rs.values] if item.reverse else rs.values
            assert res["weights"][item.id] == want, (res["version"], item.id)
            if item.id in res["shown"]:  # radio buttons with our labels, scores not shown
                assert res["shown"][item.id] == [rs.labels[v] for v in rs.values]


@pytest.mark.parametrize("iid", BUILTIN)
def test_lhc_forms_scores_equal_pm_score(iid: str, rendered: dict[str, Any]) -> None:
    inst = load_instrument(iid)
    data = rendered["data"][iid]
    expected = score(data, inst)
    links = score_link_ids(inst)
    results = [r for r in rendered["out"]["results"] if r["instrument"] == iid]
    assert len(results) == 2 * 2 * len(data)  # R4 and R5, clicked and loaded
    scored = blank = 0
    for res in results:
        for name, link in links.items():
            want = expected[f"{inst.id}_{name}"].iloc[res["row"]]
            if np.isnan(want):
                assert link not in res["scores"], (res["version"], res["how"], res["row"], name)
                blank += 1
            else:
                assert res["scores"][link] == pytest.approx(want, abs=TOL), (
                    res["version"], res["how"], res["row"], name)
                scored += 1
    assert scored > 0 and blank > 0  # both sides of the missing-item rule were exercised


@pytest.mark.parametrize("iid", BUILTIN)
def test_responses_written_by_lhc_forms_read_back(iid: str, rendered: dict[str, Any]) -> None:
    """The QuestionnaireResponses LHC-Forms writes (codings with the reversed weight as
    ordinalValue, score items with their values) read back as the answers given."""
    inst = load_instrument(iid)
    data = rendered["data"][iid]
    for version in ("R4", "R5"):
        for how in ("click", "load"):
            qrs = sorted((r for r in rendered["out"]["results"] if r["instrument"] == iid
                          and r["version"] == version and r["how"] == how),
                         key=lambda r: r["row"])
            with warnings.catch_warnings():
                warnings.simplefilter("error", PsychometricsWarning)  # every linkId known
                frame = read_fhir_responses([r["qr"] for r in qrs], inst)
            pd.testing.assert_frame_equal(frame[inst.item_ids], data, check_dtype=False)
