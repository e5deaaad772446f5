from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

MINIMAL = textwrap.dedent("""\
    id: demo-scale
    name: Demo scale
    version: 1.0.0
    follows: none
    construct: demo
    description: A small valid instrument for tests.
    citations:
      - text: Nobody (2026).
    licence:
      item_text: free
      note: free
    response_scales:
      agree4:
        values: [1, 2, 3, 4]
        labels: {1: a, 2: b, 3: c, 4: d}
    response_scale: agree4
    missing_codes: [-9]
    items:
      - id: q1
        text: one
      - id: q2
        text: two
        reverse: true
      - id: q3
        text: three
    scales:
      total:
        name: Total
        items: [q1, q2, q3]
        method: sum
        max_missing: 1
        bands:
          - max: 6
            label: low
          - label: high
    """)


@pytest.fixture
def write_yaml(tmp_path: Path):
    def write(text: str, name: str = "def.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
