"""Generate the bundled synthetic mentorship-network data set (seeded, reproducible).

    python -m psychometrics.datasets.generate_mentorship [OUT.csv]

The design mirrors the published evaluation of a mentorship network for internal-medicine
residents and faculty: residents (mentees) and faculty (mentors), female and male, surveyed
at baseline and after one year, answering the ACS, GSE, CSS and WHO-5. Each instrument's
items follow a one-factor model whose loadings give roughly its published alpha; answers
are the latent responses cut at fixed thresholds. THE DATA ARE SYNTHETIC: no person's
answers are in them, and no finding about mentorship should be drawn from them.
A few realistic problems are planted for validation to find: missing answers, the
missing-value code -99, one out-of-range answer and one respondent who skipped the WHO-5.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261126
N_RESIDENTS, N_FACULTY = 40, 18
RETENTION = 0.9  # share of participants who answered again at one year
OUT = Path(__file__).with_name("mentorship.csv")

# instrument: (item prefix, number of items, lowest answer, number of answers, loading,
#              reversed item numbers, effect of one year for residents, faculty shift)
DESIGN = {
    "acs": ("acs_", 8, 1, 7, 0.74, (4, 5, 6, 8), 0.35, 0.40),
    "gse": ("gse_", 10, 1, 4, 0.66, (), 0.25, 0.50),
    "css": ("css_", 5, 1, 5, 0.82, (), 0.30, 0.30),
    "who5": ("who5_", 5, 0, 6, 0.78, (), 0.30, 0.35),
}


def _categorise(latent: np.ndarray, low: int, n_cat: int) -> np.ndarray:
    # Thresholds at normal quantiles of a slightly right-shifted spread: agreement scales
    # in staff surveys lean positive.
    probs = np.linspace(0, 1, n_cat + 1)[1:-1]
    from statistics import NormalDist

    cuts = np.array([NormalDist(-0.35, 1.0).inv_cdf(p) for p in probs])
    return low + np.searchsorted(cuts, latent)


def generate(seed: int = SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = N_RESIDENTS + N_FACULTY
    role = np.array(["resident"] * N_RESIDENTS + ["faculty"] * N_FACULTY)
    gender = rng.choice(["female", "male"], size=n, p=[0.55, 0.45])
    mentor_gender = np.where(role == "resident",
                             rng.choice(["female", "male"], size=n, p=[0.45, 0.55]), "")
    pid = np.array([f"{'R' if r == 'resident' else 'F'}{i + 1:03d}" for i, r in enumerate(role)])

    rows = []
    stable = {name: rng.normal(size=n) for name in DESIGN}
    returned = rng.random(n) < RETENTION
    for wave in ("baseline", "one_year"):
        keep = np.ones(n, bool) if wave == "baseline" else returned
        block = pd.DataFrame({
            "response_id": [f"{p}-{'B' if wave == 'baseline' else 'Y'}" for p in pid[keep]],
            "participant_id": pid[keep],
            "role": role[keep],
            "gender": gender[keep],
            "mentor_gender": mentor_gender[keep],
            "wave": wave,
        })
        m = int(keep.sum())
        for name, (prefix, k, low, n_cat, loading, rev, growth, fac) in DESIGN.items():
            shift = np.where(role[keep] == "faculty", fac, 0.0)
            if wave == "one_year":
                shift = shift + np.where(role[keep] == "resident", growth, 0.1)
            # A person's trait is stable across waves (r about .7) plus a wave-specific part.
            trait = 0.84 * stable[name][keep] + 0.54 * rng.normal(size=m) + shift
            noise = rng.normal(size=(m, k))
            signs = np.array([-1.0 if j + 1 in rev else 1.0 for j in range(k)])
            latent = loading * trait[:, None] * signs + np.sqrt(1 - loading**2) * noise
            answers = _categorise(latent, low, n_cat)
            for j in range(k):
                block[f"{prefix}{j + 1}"] = answers[:, j]
        rows.append(block)
    data = pd.concat(rows, ignore_index=True)

    items = [c for c in data.columns if c.split("_")[0] in DESIGN and c[-1].isdigit()]
    values = data[items].astype(float)
    values = values.mask(rng.random(values.shape) < 0.015)  # scattered skipped answers
    cells = rng.choice(values.size, size=6, replace=False)
    for cell in cells:  # the survey tool's "no answer" code
        values.iat[cell // values.shape[1], cell % values.shape[1]] = -99
    values.loc[17, "gse_3"] = 5  # a data-entry slip: GSE answers run 1-4
    values.loc[42, [c for c in items if c.startswith("who5_")]] = np.nan  # skipped WHO-5
    data[items] = values.astype("Int64")
    return data


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else OUT
    generate().to_csv(out, index=False)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
