"""Screenshot the demo report for reviewers: docs/assets/demo-report.png (+ the HTML).

    python scripts/screenshot_report.py [--instrument gse] [--out docs/assets/demo-report.png]

Builds the report of one instrument on the bundled SYNTHETIC mentorship data (baseline
wave, grouped by role: ``docs/_gen/demo.py``, the report the docs publish) and takes a
full-page screenshot with headless Chromium (Debian's ``chromium`` package). A second PNG,
``<name>-top.png``, shows just the first screen, which the docs embed. ``--html PATH`` also
keeps the HTML (the docs build generates its own copy, ``assets/demo-report.html``, so none
is committed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instrument", default="gse")
    parser.add_argument("--out", default=str(ROOT / "docs" / "assets" / "demo-report.png"))
    parser.add_argument("--width", type=int, default=1100)
    parser.add_argument("--html", help="also write the report's HTML here")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT / "docs"))
    from _gen.demo import demo_report

    from psychometrics.reporting import browser

    binary = browser.find_chromium()
    if binary is None:
        print("error: no Chromium binary (apt-get install chromium)", file=sys.stderr)
        return 2
    rep = demo_report(args.instrument)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.html:
        rep.save(args.html)
    seen = browser.render(rep.html, binary=binary, width=args.width)
    if seen.probe["errors"] or seen.console:
        print("error: the browser reported problems:", *seen.probe["errors"], *seen.console,
              sep="\n  ", file=sys.stderr)
        return 1
    browser.screenshot(rep.html, out, binary=binary, width=args.width,
                       height=int(seen.probe["height"]) + 8)
    top = out.with_name(out.stem + "-top.png")
    browser.screenshot(rep.html, top, binary=binary, width=args.width, height=900)
    for png in (out, top):
        _shrink(png)
    statuses = ", ".join(f"{s.id}: {s.status}" for s in rep.sections)
    print(f"wrote {out} ({seen.probe['height']} px tall) and {top}\n"
          f"sections: {statuses}")
    return 0


def _shrink(png: Path) -> None:
    """Re-encode with a 256-colour palette when Pillow is there (a third of the size; the
    report uses few colours, so nothing visible is lost)."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(png) as im:
        small = im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(png, optimize=True)


if __name__ == "__main__":
    sys.exit(main())
