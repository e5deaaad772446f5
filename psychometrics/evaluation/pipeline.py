"""The whole evaluation from a study definition: ``pm.evaluate(study)``.

Each section of the evaluation is one function of :data:`SECTION_BUILDERS` taking the
prepared study context and returning its tables; :func:`evaluate` runs the sections the
study lists, in its order, and records for each what it computed and every caveat. A new
section is one more builder, one more name in
:data:`psychometrics.evaluation.study.SECTIONS` and one more renderer in the report (the
measurement-invariance section, in :mod:`psychometrics.evaluation.invariance_section`, was
added that way).
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from psychometrics import __version__
from psychometrics.analysis import MISSING_GROUP
from psychometrics.errors import DataValidationError, MissingColumnError, NumericalWarning
from psychometrics.evaluation.comparisons import compare_groups
from psychometrics.evaluation.paired import change
from psychometrics.evaluation.proportions import proportion
from psychometrics.evaluation.study import SECTIONS, LoadedStudy, Study, load_study
from psychometrics.results import ResultMixin

__all__ = ["SECTION_BUILDERS", "SECTION_TITLES", "Evaluation", "EvaluationSection",
           "evaluate"]

SECTION_TITLES: dict[str, str] = {
    "participation": "Participation and response rates",
    "validation": "Data validation",
    "reliability": "Reliability",
    "invariance": "Measurement invariance",
    "scores": "Scores by group and wave",
    "change": "Change from baseline",
    "comparisons": "Group comparisons",
}
# What each section puts into Evaluation.tables.
SECTION_TABLES: dict[str, tuple[str, ...]] = {
    "participation": ("participation",),
    "validation": ("validation", "validation_problems"),
    "reliability": ("reliability",),
    "invariance": ("invariance", "invariance_verdicts", "invariance_groups",
                   "invariance_releases"),
    "scores": ("score_summary",),
    "change": ("change", "reliable_change"),
    "comparisons": ("comparisons", "omnibus", "cells", "interaction"),
}
ALL = "all"


@dataclass(frozen=True)
class EvaluationSection:
    """One section of an evaluation: what it holds and whether it could be computed.

    ``status`` is ``ok``, ``skipped`` (not requested or nothing to compute, e.g. one wave
    only for change) or ``error``; ``messages`` say why and list the caveats.
    """

    id: str
    title: str
    status: str
    tables: tuple[str, ...]
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evaluation(ResultMixin):
    """The evaluation of a study: every number of the report, as DataFrames.

    Attributes
    ----------
    title : str
        The study's title.
    study : Study
        The study definition evaluated.
    source : str or None
        The study file.
    sections : tuple of EvaluationSection
        The sections computed, in report order, with their status and caveats.
    tables : dict of str to DataFrame
        Every table by name (also available as attributes: ``participation``,
        ``validation``, ``validation_problems``, ``reliability``, ``invariance``,
        ``invariance_verdicts``, ``invariance_groups``, ``invariance_releases``,
        ``score_summary``,
        ``change``, ``reliable_change``, ``comparisons``, ``omnibus``, ``cells``,
        ``interaction``, ``caveats``).
    data : DataFrame
        The stacked data as evaluated (index: ``"<id> <wave>"``).
    scores : DataFrame
        Every respondent's scores with id, wave and group columns.
    """

    title: str
    study: Study
    source: str | None
    sections: tuple[EvaluationSection, ...]
    tables: dict[str, pd.DataFrame]
    data: pd.DataFrame = field(repr=False)
    scores: pd.DataFrame = field(repr=False)

    _title = "Evaluation"

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(f"'Evaluation' has no attribute or table {name!r}")

    @property
    def covers(self) -> tuple[str, ...]:
        """Titles of the sections this evaluation holds (status ok)."""
        return tuple(s.title for s in self.sections if s.status == "ok")

    def summary(self, digits: int = 3) -> str:
        lines = [self.title, "=" * len(self.title), "sections:"]
        for s in self.sections:
            lines.append(f"  {s.status:<8} {s.title}: {', '.join(s.tables) or '-'}")
            lines += [f"           - {m}" for m in s.messages[:5]]
            if len(s.messages) > 5:
                lines.append(f"           ... and {len(s.messages) - 5} more caveat(s)")
        lines.append("tables: " + ", ".join(f"{k} ({len(v)} rows)" for k, v in
                                             self.tables.items()))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        # The sections and table sizes; the full document is pm.evaluation_report(self).
        from psychometrics.reporting._html import esc

        items = "".join(
            f"<li><b>{esc(s.title)}</b> ({esc(s.status)}): "
            + esc(", ".join(f"{t} [{len(self.tables[t])} rows]" for t in s.tables) or "-")
            + (f"; {len(s.messages)} caveat(s)" if s.messages else "") + "</li>"
            for s in self.sections)
        return (f"<div><h4>{esc(self.title)}</h4><ul>{items}</ul><p>Every table: "
                "<code>.tables</code>; the HTML report: "
                "<code>pm.evaluation_report(ev)</code>.</p></div>")

    def to_dict(self) -> dict[str, Any]:
        from psychometrics.results import _plain

        return {"title": self.title, "source": self.source,
                "study": self.study.model_dump(mode="json", by_alias=True),
                "sections": [_plain(s) for s in self.sections],
                "tables": {k: _plain(v) for k, v in self.tables.items()}}

    def write_tables(self, folder: str | os.PathLike[str], *, excel: bool = True) -> list[Path]:
        """Write every table as ``<name>.csv`` into ``folder`` (created) and, with
        ``excel`` and openpyxl installed, all of them as sheets of ``evaluation.xlsx``."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, frame in self.tables.items():
            path = out / f"{name}.csv"
            frame.to_csv(path, index=False)
            written.append(path)
        if excel:
            try:
                import openpyxl  # noqa: F401
            except ImportError:
                return written
            path = out / "evaluation.xlsx"
            with pd.ExcelWriter(path) as writer:
                for name, frame in self.tables.items():
                    frame.to_excel(writer, sheet_name=name[:31], index=False)
            written.append(path)
        return written


# -- the context every section reads -------------------------------------------------------


@dataclass
class _Context:
    loaded: LoadedStudy
    data: pd.DataFrame
    waves: list[str]
    wave_col: str | None
    score_cols: list[tuple[Any, str, str]]  # (instrument, scale, score column)
    scores: pd.DataFrame
    caveats: list[dict[str, str]] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def study(self) -> Study:
        return self.loaded.study

    def wave_mask(self, wave: str | None) -> np.ndarray:
        if wave is None or self.wave_col is None:
            return np.ones(len(self.data), bool)
        return (self.data[self.wave_col] == wave).to_numpy()

    def caveat(self, section: str, where: str, message: str) -> None:
        self.caveats.append({"section": section, "where": where, "message": message})

    def columns_of(self, inst: Any) -> Any:
        for si, i in zip(self.study.instruments, self.loaded.instruments, strict=True):
            if i is inst:
                return si.columns
        return None


def _group_values(data: pd.DataFrame, column: str) -> np.ndarray:
    return data[column].astype("string").fillna(MISSING_GROUP).to_numpy(dtype=object)


def _levels(values: np.ndarray) -> list[str]:
    present = sorted({str(v) for v in values if v != MISSING_GROUP})
    return present + ([MISSING_GROUP] if (values == MISSING_GROUP).any() else [])


# -- data ------------------------------------------------------------------------------------


def _read(loaded: LoadedStudy) -> pd.DataFrame:
    from psychometrics.io import read_data

    study = loaded.study
    frames = []
    for f in study.data:
        path = loaded.path(f.path)
        frame = read_data(path, sheet=f.sheet)
        if f.wave is not None:
            col = study.waves.column  # type: ignore[union-attr]  # checked on load
            if col not in frame.columns:
                frame[col] = f.wave
            else:
                other = frame[col].notna() & (frame[col].astype(str) != f.wave)
                if other.any():
                    row = int(np.flatnonzero(other.to_numpy())[0])
                    raise DataValidationError(
                        f"{path.name}: row {row + 2} has {col} = {frame[col].iloc[row]!r}, "
                        f"but the study says every row of this file is wave '{f.wave}'")
        frame.attrs["file"] = path.name
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return data


def _check(data: pd.DataFrame, study: Study) -> None:
    needed = [("id", study.id)] + ([("wave", study.waves.column)] if study.waves else []) + \
        [("group", g) for g in study.groups]
    for what, col in needed:
        if col not in data.columns:
            raise MissingColumnError(
                f"{what} column '{col}' of the study is not in the data (columns: "
                f"{', '.join(map(str, data.columns[:20]))}{' ...' if data.shape[1] > 20 else ''})")
    if data[study.id].isna().any():
        row = int(np.flatnonzero(data[study.id].isna().to_numpy())[0])
        raise DataValidationError(f"data row {row + 2}: the respondent id ({study.id}) is "
                                  "empty; every row needs an id to be matched across waves")
    if study.waves is not None:
        col = study.waves.column
        values = data[col].astype("string")
        bad = values.isna() | ~values.isin(study.waves.order)
        if bad.any():
            rows = np.flatnonzero(bad.to_numpy())
            shown = ", ".join(f"row {r + 2} (id {data[study.id].iloc[r]}): "
                              f"{data[col].iloc[r]!r}" for r in rows[:5])
            raise DataValidationError(
                f"{len(rows)} row(s) have a {col} that is not one of the study's waves "
                f"({', '.join(study.waves.order)}): {shown}"
                + (" ..." if len(rows) > 5 else ""))
    keys = [study.id] + ([study.waves.column] if study.waves else [])
    dup = data.duplicated(keys, keep=False)
    if dup.any():
        rows = np.flatnonzero(dup.to_numpy())
        shown = ", ".join(f"row {r + 2} (id {data[study.id].iloc[r]})" for r in rows[:6])
        raise DataValidationError(
            f"{len(rows)} rows share a respondent id within a wave: {shown}"
            + (" ..." if len(rows) > 6 else "") + "; each respondent answers once per wave")


def _score(ctx_data: pd.DataFrame, loaded: LoadedStudy) -> tuple[pd.DataFrame, list]:
    from psychometrics.scoring import score

    study = loaded.study
    parts = []
    cols: list[tuple[Any, str, str]] = []
    for si, inst in zip(study.instruments, loaded.instruments, strict=True):
        scales = si.scales or inst.distinct_scales()
        scored = score(ctx_data, inst, columns=si.columns, on_invalid="nan")
        keep = [f"{inst.id}_{s}" for s in scales]
        parts.append(scored[keep + [f"{k}_status" for k in keep]])
        cols += [(inst, s, f"{inst.id}_{s}") for s in scales]
    ident = [study.id] + ([study.waves.column] if study.waves else []) + list(study.groups)
    scores = pd.concat([ctx_data[ident], *parts], axis=1)
    return scores, cols


# -- sections --------------------------------------------------------------------------------


def _participation(ctx: _Context) -> None:
    study = ctx.study
    rows = []
    baseline_ids = set(ctx.data.loc[ctx.wave_mask(ctx.waves[0]), study.id])
    total = _total_invited(study, ctx.data)
    for wave in ctx.waves:
        sub = ctx.data[ctx.wave_mask(wave)]
        splits: list[tuple[str, str, np.ndarray]] = [(ALL, ALL, np.ones(len(sub), bool))]
        for g in study.groups:
            vals = _group_values(sub, g)
            # an invited group nobody answered for is a row with 0 respondents, not absent
            levels = _levels(vals)
            levels += [k for k in study.groups[g].invited if k not in levels]
            splits += [(g, lev, vals == lev) for lev in levels]
        for grouping, level, mask in splits:
            n = int(mask.sum())
            invited = (study.groups[grouping].invited.get(level)
                       if grouping != ALL else total)
            retained = (int(sub.loc[mask, study.id].isin(baseline_ids).sum())
                        if wave != ctx.waves[0] else np.nan)
            row = {"wave": wave, "grouping": grouping, "group": level, "n": n,
                   "invited": np.nan if invited is None else invited,
                   "response_rate": np.nan, "response_rate_lower": np.nan,
                   "response_rate_upper": np.nan, "retained_from_baseline": retained,
                   "note": ""}
            where = f"{_wave_text(ctx, wave)}, {grouping}={level}"
            if invited is not None:
                if invited == 0 or n > invited:
                    row["note"] = (f"{n} respondents but {invited} invited: check the invited "
                                   "count in the study definition")
                    ctx.caveat("participation", where, row["note"])
                else:
                    p = proportion(n, invited)
                    row.update(response_rate=p.estimate, response_rate_lower=p.wilson_lower,
                               response_rate_upper=p.wilson_upper)
            if grouping != ALL and 0 < n < study.min_group_size:
                row["note"] = (row["note"] + "; " if row["note"] else "") + (
                    f"small group: {n} respondent(s)")
            rows.append(row)
    ctx.tables["participation"] = pd.DataFrame(rows)


def _total_invited(study: Study, data: pd.DataFrame) -> int | None:
    """The whole sample's invited count: the sum over the first grouping that has a count
    for every group in the data (else there is no overall response rate)."""
    for name, g in study.groups.items():
        present = {v for v in _group_values(data, name) if v != MISSING_GROUP}
        if g.invited and present <= set(g.invited):
            return int(sum(g.invited.values()))
    return None


def _wave_text(ctx: _Context, wave: str | None) -> str:
    return "all data" if wave is None or ctx.wave_col is None else ctx.study.wave_label(wave)


def _validation(ctx: _Context) -> None:
    from psychometrics.validation import validate

    rows, problems = [], []
    for si, inst in zip(ctx.study.instruments, ctx.loaded.instruments, strict=True):
        report = validate(ctx.data, inst, columns=si.columns)
        errs, warns = len(report.errors), len(report.warnings)
        info = report.problems[report.problems["severity"] == "info"]
        coded = int(pd.to_numeric(info["value"], errors="coerce").fillna(0).sum()) \
            if not info.empty else 0
        rows.append({"instrument": inst.id, "rows": report.n_rows, "errors": errs,
                     "warnings": warns, "missing_code_cells": coded,
                     "empty_cells": int(report.missing.sum()), "ok": report.ok,
                     "note": "unusable cells are treated as missing in every statistic"
                     if errs else ""})
        if errs:
            ctx.caveat("validation", inst.id, f"{errs} unusable cell(s) are treated as missing")
        problems.append(report.problems.assign(instrument=inst.id))
    ctx.tables["validation"] = pd.DataFrame(rows)
    ctx.tables["validation_problems"] = pd.concat(problems, ignore_index=True)


def _reliability(ctx: _Context) -> None:
    from psychometrics.analysis import reliability

    study = ctx.study
    frames = []
    for wave in ctx.waves:
        sub = ctx.data[ctx.wave_mask(wave)]
        for si, inst in zip(study.instruments, ctx.loaded.instruments, strict=True):
            scales = [s for s in (si.scales or inst.distinct_scales())
                      if len(inst.scales[s].items) >= 2]
            if not scales:
                continue
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                whole = reliability(sub, inst, columns=si.columns, scales=scales)
                whole = whole.assign(grouping=ALL, group=ALL)
                parts = [whole]
                for g in study.groups:
                    t = reliability(sub, inst, columns=si.columns, scales=scales, group=g)
                    parts.append(t[t["group"] != "all"].assign(grouping=g))
            for w in caught:
                if issubclass(w.category, NumericalWarning):
                    ctx.caveat("reliability", _wave_text(ctx, wave), str(w.message))
            frames.append(pd.concat(parts, ignore_index=True).assign(wave=wave))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not table.empty:
        small = (table["grouping"] != ALL) & (table["n"] < study.min_group_size) & \
            (table["n"] >= 3)
        for i in np.flatnonzero(small.to_numpy()):
            r = table.iloc[i]
            text = (f"{r['group']} has {int(r['n'])} respondents: alpha from so few is "
                    "unstable; compare it with the published value only loosely")
            table.loc[table.index[i], "note"] = "; ".join(filter(None, [r["note"], text]))
            ctx.caveat("reliability", f"{_wave_text(ctx, r['wave'])}, {r['instrument']} "
                                      f"{r['scale']}, {r['grouping']}={r['group']}", text)
        for i in np.flatnonzero(table["note"].fillna("").str.startswith("not computed")
                                .to_numpy()):
            r = table.iloc[i]
            ctx.caveat("reliability", f"{_wave_text(ctx, r['wave'])}, {r['instrument']} "
                                      f"{r['scale']}, {r['grouping']}={r['group']}", r["note"])
        front = ["wave", "grouping", "group"]
        table = table[front + [c for c in table.columns if c not in front]]
    ctx.tables["reliability"] = table


def _describe(x: np.ndarray) -> dict[str, float]:
    from scipy.special import stdtrit

    n = x.size
    out = {"n": n, "mean": float(x.mean()) if n else math.nan,
           "sd": float(x.std(ddof=1)) if n > 1 else math.nan,
           "median": float(np.median(x)) if n else math.nan,
           "min": float(x.min()) if n else math.nan, "max": float(x.max()) if n else math.nan}
    half = float(stdtrit(n - 1, 0.975)) * out["sd"] / math.sqrt(n) if n > 1 else math.nan
    out["mean_lower"], out["mean_upper"] = out["mean"] - half, out["mean"] + half
    return out


def _score_summary(ctx: _Context) -> None:
    study = ctx.study
    rows = []
    for wave in ctx.waves:
        sub = ctx.scores[ctx.wave_mask(wave)]
        splits: list[tuple[str, str, np.ndarray]] = [(ALL, ALL, np.ones(len(sub), bool))]
        for g in study.groups:
            vals = _group_values(sub, g)
            splits += [(g, lev, vals == lev) for lev in _levels(vals)]
        for inst, scale, col in ctx.score_cols:
            for grouping, level, mask in splits:
                v = sub.loc[mask, col].to_numpy(dtype=float)
                x = v[~np.isnan(v)]
                row = {"wave": wave, "grouping": grouping, "group": level,
                       "instrument": inst.id, "scale": scale, "score": col,
                       **_describe(x), "n_unscored": int(v.size - x.size), "note": ""}
                if grouping != ALL and 0 < x.size < study.min_group_size:
                    row["note"] = (f"small group ({x.size} scored): the interval of the mean "
                                   "is wide")
                    ctx.caveat("scores", f"{_wave_text(ctx, wave)}, {col}, "
                                         f"{grouping}={level}", row["note"])
                rows.append(row)
    ctx.tables["score_summary"] = pd.DataFrame(rows)


def _change(ctx: _Context) -> None:
    study = ctx.study
    if study.waves is None or len(ctx.waves) < 2 or not study.comparisons.change:
        raise _Skip("change needs two waves or more" if study.comparisons.change else
                    "not requested (comparisons.change is false)")
    rel = ctx.tables.get("reliability")
    base = ctx.waves[0]
    pre_all = ctx.scores[ctx.wave_mask(base)].set_index(study.id)
    rows, people = [], []
    for later in ctx.waves[1:]:
        post_all = ctx.scores[ctx.wave_mask(later)].set_index(study.id)
        ids = pre_all.index.append(post_all.index.difference(pre_all.index, sort=False))
        splits: list[tuple[str, str, pd.Index]] = [(ALL, ALL, ids)]
        for g in study.comparisons.change_by:
            # a respondent's group is the baseline answer, else the later one
            gv = pre_all[g].reindex(ids).combine_first(post_all[g].reindex(ids))
            vals = gv.astype("string").fillna(MISSING_GROUP).to_numpy(dtype=object)
            splits += [(g, lev, ids[vals == lev]) for lev in _levels(vals)]
        for inst, scale, col in ctx.score_cols:
            alpha = _baseline_alpha(rel, base, inst.id, scale)
            if rel is None:  # the reliability section was not requested: compute it here
                alpha = _alpha_now(ctx, inst, scale, base)
            for grouping, level, members in splits:
                pre = pre_all[col].reindex(members)
                post = post_all[col].reindex(members)
                where = (f"{inst.id} {scale}, {_wave_text(ctx, base)} to "
                         f"{_wave_text(ctx, later)}"
                         + ("" if grouping == ALL else f", {grouping}={level}"))
                with warnings.catch_warnings():  # its caveats are in res.note
                    warnings.simplefilter("ignore", NumericalWarning)
                    res = change(pre, post, reliability=alpha, pair_by="index")
                note = res.note
                if grouping != ALL and 0 < res.n < study.min_group_size:
                    note = "; ".join(filter(None, [note, f"small group: {res.n} pairs"]))
                if alpha is None:
                    note = "; ".join(filter(None, [note, "no baseline alpha: no reliable "
                                                         "change"]))
                # Attrition is in the table (n_unpaired); the caveats are for small groups
                # and statistics that could not be computed.
                shown = "; ".join(part for part in note.split("; ")
                                  if "only one of the two scores" not in part)
                if shown:
                    ctx.caveat("change", where, shown)
                rows.append({"instrument": inst.id, "scale": scale, "score": col,
                             "from_wave": base, "to_wave": later, "grouping": grouping,
                             "group": level, **res.row, "n_unpaired": res.n_unpaired,
                             "reliability_used": res.reliability, "sd_used": res.sd,
                             "note": note})
                if grouping == ALL and "classification" in res.respondents:
                    people.append(res.respondents.rename_axis(study.id).reset_index().assign(
                        score=col, from_wave=base, to_wave=later))
    ctx.tables["change"] = pd.DataFrame(rows)
    front = [study.id, "score", "from_wave", "to_wave"]
    rc = pd.concat(people, ignore_index=True) if people else pd.DataFrame(columns=front)
    ctx.tables["reliable_change"] = rc[front + [c for c in rc.columns if c not in front]]


def _baseline_alpha(rel: pd.DataFrame | None, wave: str, iid: str, scale: str
                    ) -> float | None:
    if rel is None or rel.empty:
        return None
    hit = rel[(rel["wave"] == wave) & (rel["grouping"] == ALL) & (rel["instrument"] == iid)
              & (rel["scale"] == scale)]
    if hit.empty or not np.isfinite(hit["alpha"].iloc[0]):
        return None
    return float(np.clip(hit["alpha"].iloc[0], 0.0, 0.999))


def _alpha_now(ctx: _Context, inst: Any, scale: str, wave: str) -> float | None:
    from psychometrics.analysis import reliability

    if len(inst.scales[scale].items) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        t = reliability(ctx.data[ctx.wave_mask(wave)], inst, columns=ctx.columns_of(inst),
                        scales=[scale]).assign(wave=wave, grouping=ALL)
    return _baseline_alpha(t, wave, inst.id, scale)


def _comparisons(ctx: _Context) -> None:
    study = ctx.study
    c = study.comparisons
    if not c.groups and not c.crossed:
        raise _Skip("no group comparisons requested (comparisons.groups / crossed)")
    score_cols = [col for _, _, col in ctx.score_cols]
    waves = c.waves or ctx.waves
    tables: dict[str, list[pd.DataFrame]] = {"comparisons": [], "omnibus": [], "cells": [],
                                              "interaction": []}
    for wave in waves:
        sub = ctx.scores[ctx.wave_mask(wave)]
        designs = [[g] for g in c.groups] + [list(p) for p in c.crossed]
        for by in designs:
            with warnings.catch_warnings():  # its caveats are in the notes
                warnings.simplefilter("ignore", NumericalWarning)
                res = compare_groups(sub, score_cols, by)
            design = " x ".join(by)
            extra = {"wave": wave, "design": design}
            tables["comparisons"].append(res.table.assign(**extra))
            if not res.omnibus.empty:
                tables["omnibus"].append(res.omnibus.assign(**extra))
            if len(by) == 2:
                tables["cells"].append(res.groups.assign(**extra))
                tables["interaction"].append(res.interaction.assign(**extra))
            for frame, what in ((res.table, None), (res.omnibus, "all groups"),
                                (res.interaction, "interaction")):
                for _, r in frame[frame["note"] != ""].iterrows():
                    pair = what or f"{r['group_1']} vs {r['group_2']}"
                    if len(by) == 2 and what != "interaction":
                        pair += f" within {by[0]}={r[by[0]]}"
                    ctx.caveat("comparisons", f"{_wave_text(ctx, wave)}, {r['score']}, "
                                              f"{design}: {pair}", r["note"])
            for note in res.notes:
                ctx.caveat("comparisons", f"{_wave_text(ctx, wave)}, {design}", note)
    for name, parts in tables.items():
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if not frame.empty:
            front = ["wave", "design"]
            frame = frame[front + [col for col in frame.columns if col not in front]]
        ctx.tables[name] = frame


class _Skip(Exception):
    """A section with nothing to compute for this study (says why)."""


def _invariance(ctx: _Context) -> None:
    # The builder lives in its own module (it reads _Context and _Skip from this one).
    from psychometrics.evaluation.invariance_section import build_invariance

    build_invariance(ctx)


SECTION_BUILDERS: dict[str, Callable[[_Context], None]] = {
    "participation": _participation,
    "validation": _validation,
    "reliability": _reliability,
    "invariance": _invariance,
    "scores": _score_summary,
    "change": _change,
    "comparisons": _comparisons,
}
assert set(SECTION_BUILDERS) == set(SECTIONS) == set(SECTION_TITLES) == set(SECTION_TABLES)


def evaluate(study: str | os.PathLike[str] | Study | LoadedStudy, *,
             data: pd.DataFrame | None = None) -> Evaluation:
    """Run a programme evaluation from its study definition.

    Reads the data file(s) of the study (or takes ``data``), checks that the id, wave and
    group columns are there and every row belongs to one of the waves, validates and
    scores each instrument, then computes the sections the study lists: participation and
    response rates (Wilson intervals) per group and wave; validation; reliability per
    instrument, group and wave beside the published values
    (:func:`psychometrics.reliability`); with an ``invariance:`` block, measurement
    invariance of each instrument's structure across groups (in each wave) and across
    waves (:func:`psychometrics.invariance`: the ladder, its decisions, partial invariance,
    and for groups too small the verdict that no model can be fitted); score summaries
    per group and wave; change from
    the first wave to each later one in respondents present in both
    (:func:`psychometrics.change`, with the baseline alpha for Jacobson-Truax reliable
    change); and group comparisons (:func:`psychometrics.compare_groups`) in each wave,
    including crossed factors. Wherever a group is smaller than the study's
    ``min_group_size`` the row carries a plain-language caveat (collected in the
    ``caveats`` table).

    Parameters
    ----------
    study
        A study YAML path, a :class:`~psychometrics.evaluation.study.Study`, or a loaded
        study.
    data
        The data as one DataFrame, instead of reading the study's files.

    Returns
    -------
    Evaluation
        ``sections`` (what was computed, with caveats) and every table as a DataFrame.

    Raises
    ------
    DefinitionError
        The study definition is invalid (every problem with file and line).
    MissingColumnError, DataValidationError
        The data lack a column the study names, or a row has no valid wave or a
        duplicate id within a wave.

    Examples
    --------
    >>> import psychometrics as pm
    >>> from psychometrics.datasets import mentorship_study_path
    >>> ev = pm.evaluate(mentorship_study_path())
    >>> [s.id for s in ev.sections]
    ['participation', 'validation', 'reliability', 'invariance', 'scores', 'change', 'comparisons']
    >>> p = ev.participation
    >>> p[(p.wave == "one_year") & (p.grouping == "role")][["group", "n", "invited"]]
          group   n  invited
    6   faculty  16     28.0
    7  resident  37     89.0
    """
    loaded = study if isinstance(study, LoadedStudy) else load_study(
        study, check_files=data is None)
    st = loaded.study
    frame = _read(loaded) if data is None else data.reset_index(drop=True)
    _check(frame, st)
    # One occasion: every row is in the single wave "all" (the tables keep a wave column).
    waves: list[Any] = list(st.waves.order) if st.waves else [ALL]
    frame = frame.copy()
    label = frame[st.id].astype(str)
    if st.waves is not None:
        label = label + " " + frame[st.waves.column].astype(str)
    frame.index = pd.Index(label, name="respondent")
    scores, score_cols = _score(frame, loaded)
    ctx = _Context(loaded, frame, waves, st.waves.column if st.waves else None, score_cols,
                   scores)
    sections = []
    for sid in st.sections:
        before = len(ctx.caveats)
        try:
            SECTION_BUILDERS[sid](ctx)
            status, messages = "ok", [c["where"] + ": " + c["message"]
                                      for c in ctx.caveats[before:]]
        except _Skip as why:
            status, messages = "skipped", [str(why)]
        sections.append(EvaluationSection(sid, SECTION_TITLES[sid], status,
                                          SECTION_TABLES[sid] if status == "ok" else (),
                                          tuple(messages)))
    tables = dict(ctx.tables)
    tables["caveats"] = pd.DataFrame(ctx.caveats, columns=["section", "where", "message"])
    provenance = [inst.provenance() for inst in loaded.instruments]
    for t in tables.values():
        t.attrs["psychometrics"] = {"package_version": __version__, "instruments": provenance}
    return Evaluation(st.title, st, loaded.file, tuple(sections), tables, frame, scores)
