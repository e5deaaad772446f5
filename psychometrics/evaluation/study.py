"""The study as data: a YAML file naming the data, waves, groups, instruments and the
comparisons to report, validated like an instrument definition.

The pydantic models below are the format's documentation (every field has a description;
unknown keys are errors) and export the JSON Schema committed as
``instruments/study.schema.json``. :func:`load_study` reads the YAML with the instrument
loader's safe reader and reports every problem with file, line and column.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from psychometrics.catalog import _problem, _pydantic_problems, read_yaml
from psychometrics.errors import DefinitionError, Problem
from psychometrics.schema import Path as NodePath
from psychometrics.schema import report_problems

__all__ = ["SECTIONS", "Comparisons", "DataFile", "Group", "Invariance", "Study",
           "StudyInstrument", "Waves", "load_study", "study_json_schema"]

STUDY_SCHEMA_URL = "study.schema.json"

# The sections an evaluation can hold, in report order. A section is added here, in
# psychometrics.evaluation.pipeline.SECTION_BUILDERS and in the report's renderers.
SECTIONS: tuple[str, ...] = ("participation", "validation", "reliability", "invariance",
                             "scores", "change", "comparisons")
Section = Literal["participation", "validation", "reliability", "invariance", "scores",
                  "change", "comparisons"]
InvarianceStep = Literal["configural", "metric", "scalar", "strict"]
INVARIANCE_STEPS: tuple[str, ...] = ("configural", "metric", "scalar", "strict")
Label = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class DataFile(_Strict):
    """One data file (an export of the survey tool)."""

    path: str = Field(description="The file (CSV, TSV, Excel, SPSS, Stata), relative to the "
                                  "study YAML or absolute.")
    wave: str | None = Field(
        None, description="The wave of every row of this file, for separate exports per wave "
        "(e.g. `baseline.csv` and `one_year.csv`). If the file also has the wave column, its "
        "values must agree.")
    sheet: str | int = Field(0, description="Excel only: sheet name or 0-based number.")


class Waves(_Strict):
    """The measurement occasions: which column holds them and their order in time."""

    column: str = Field(description="The column holding the wave of each row (filled from "
                                    "`data[].wave` when a file lacks it).")
    order: list[Label] = Field(min_length=1, description="The waves in time order; the first "
                                                         "is the baseline.")
    labels: dict[str, str] = Field(default_factory=dict,
                                   description="Readable names of the waves in the report.")


class Group(_Strict):
    """A grouping column (e.g. role, gender)."""

    label: str | None = Field(None, description="Readable name of the grouping, e.g. Role.")
    labels: dict[str, str] = Field(
        default_factory=dict, description="Readable names of the values, e.g. "
        "{resident: Residents (mentees)}.")
    invited: dict[str, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict, description="How many of each group were invited, for "
        "response rates, e.g. {resident: 89, faculty: 28}.")


class StudyInstrument(_Strict):
    """An instrument of the study and how its items are named in the data."""

    id: str = Field(description="A built-in instrument id (`gse`) or the path of a YAML "
                                "definition, relative to the study YAML.")
    columns: dict[str, str] | str | None = Field(
        None, description="Item id -> column name, or a format string with {n} or {id} "
        "(e.g. `GSE_{n}`); default: columns are named by item id.")
    scales: list[str] | None = Field(
        None, description="The scales to report (default: every scale with distinct items).")


class Comparisons(_Strict):
    """Which comparisons the evaluation reports."""

    groups: list[str] = Field(default_factory=list,
                              description="Group columns whose groups are compared in each "
                                          "wave (every pair; omnibus tests for > 2 groups).")
    crossed: list[Annotated[list[str], Field(min_length=2, max_length=2)]] = Field(
        default_factory=list, description="Pairs of group columns crossed, e.g. [role, "
        "gender]: the second compared within each level of the first, cell means and the "
        "interaction (difference of differences).")
    change: bool = Field(True, description="Change from the first wave to each later wave "
                                           "in respondents present in both.")
    change_by: list[str] = Field(default_factory=list,
                                 description="Also report change within each group of these "
                                             "columns.")
    waves: list[str] | None = Field(None, description="The waves in which groups are "
                                                      "compared (default: every wave).")


class Invariance(_Strict):
    """Measurement invariance of each instrument's published structure (its CFA model):
    whether it measures the same thing in every group and wave, which group and wave
    comparisons of scores assume."""

    groups: list[str] = Field(
        default_factory=list, description="Group columns across whose groups each "
        "instrument is tested (multi-group CFA), within each wave of `waves`.")
    across_waves: bool = Field(
        False, description="Also test across the waves: the longitudinal model (one factor "
        "per wave, the same item's residuals correlated across waves), respondents matched "
        "by the study's id; those present in some waves only are kept (full-information ML).")
    waves: list[str] | None = Field(
        None, description="The waves in which groups are tested (default: every wave).")
    instruments: list[str] | None = Field(
        None, description="Ids of the study's instruments to test (default: all).")
    steps: list[InvarianceStep] = Field(
        default_factory=lambda: list(INVARIANCE_STEPS), min_length=1,
        description="The ladder, in order from configural: configural (same structure), "
        "metric (+ equal loadings), scalar (+ equal intercepts), strict (+ equal residual "
        "variances).")
    estimator: Literal["ML", "MLM", "MLR"] = Field(
        "ML", description="ML, or a robust estimator for non-normal (e.g. Likert) items: MLR "
        "(Yuan-Bentler scaled test, robust CFI/RMSEA) or MLM (Satorra-Bentler). Across waves "
        "a robust estimator needs every respondent in every wave; otherwise ML with FIML is "
        "used and the report says so.")
    rule: Literal["cheung_rensvold", "chen", "chisq"] = Field(
        "cheung_rensvold", description="The decision rule of each step: cheung_rensvold "
        "(CFI drops by at most .010), chen (fails when CFI drops by more than .010 and RMSEA "
        "rises by more than .015 or SRMR by more than .030 metric / .010 scalar and strict) "
        "or chisq (the chi-square difference test at `alpha`).")
    alpha: float = Field(0.05, gt=0, lt=1, description="Significance level of the score "
                                                         "tests (and of the chisq rule).")
    partial: bool = Field(True, description="When a step fails, release the constraint with "
                                            "the largest score test until it holds (partial "
                                            "invariance).")


class Study(_Strict):
    """A programme evaluation: data, waves, groups, instruments and comparisons."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              json_schema_extra={"title": "Study definition (psychometrics)"})

    schema_: str | None = Field(None, alias="$schema",
                                description="Optional path or URL of the JSON Schema.")
    title: str = Field(description="Title of the evaluation report.")
    description: str | None = Field(None, description="What was evaluated, and for whom.")
    synthetic: bool = Field(False, description="The data are simulated: the report says so "
                                               "on every page.")
    data: list[DataFile] = Field(min_length=1, description="The data file(s); rows of "
                                                           "several files are stacked.")
    id: str = Field(description="The respondent id column, the same person across waves.")
    waves: Waves | None = Field(None, description="The waves (omit for one occasion).")
    groups: dict[str, Group] = Field(default_factory=dict,
                                     description="Grouping columns, by column name.")
    instruments: list[StudyInstrument] = Field(min_length=1)
    comparisons: Comparisons = Field(default_factory=Comparisons)
    invariance: Invariance | None = Field(
        None, description="Measurement invariance across groups and/or waves (omit: the "
                          "section is not computed).")
    sections: list[Section] = Field(
        default_factory=lambda: list(SECTIONS),
        description="The sections of the evaluation, in report order (default: all of "
                    f"{', '.join(SECTIONS)}).")
    min_group_size: int = Field(
        10, ge=2, description="Groups smaller than this get a plain-language caveat beside "
                              "every statistic (reliability is not computed below 3).")

    @model_validator(mode="after")
    def _check_rules(self, info: ValidationInfo) -> Study:
        report_problems(self.problems(), info)
        return self

    def problems(self) -> list[tuple[NodePath, str]]:
        """Every broken cross-field rule as ``(path, message)``; empty when valid."""
        out: list[tuple[NodePath, str]] = []
        known = ", ".join(self.groups) or "none defined"
        waves = self.waves.order if self.waves else []
        if self.waves is not None:
            dup = sorted({w for w in waves if waves.count(w) > 1})
            if dup:
                out.append((("waves", "order"), f"wave(s) listed twice: {', '.join(dup)}"))
            for w in self.waves.labels:
                if w not in waves:
                    out.append((("waves", "labels", w), f"'{w}' is not in waves.order"))
        for i, f in enumerate(self.data):
            if f.wave is not None and f.wave not in waves:
                out.append((("data", i, "wave"),
                            f"wave '{f.wave}' is not in waves.order" if waves else
                            "a file's wave needs `waves` (column and order)"))
        for name in self.groups:
            if name in (self.id, self.waves.column if self.waves else None):
                out.append((("groups", name), f"'{name}' is the id or wave column"))
        c = self.comparisons
        for j, g in enumerate(c.groups):
            if g not in self.groups:
                out.append((("comparisons", "groups", j), f"unknown group '{g}' (groups: "
                                                          f"{known})"))
        for j, pair in enumerate(c.crossed):
            for k, g in enumerate(pair):
                if g not in self.groups:
                    out.append((("comparisons", "crossed", j, k),
                                f"unknown group '{g}' (groups: {known})"))
            if len(pair) == 2 and pair[0] == pair[1]:
                out.append((("comparisons", "crossed", j), "a factor cannot be crossed with "
                                                           "itself"))
        for j, g in enumerate(c.change_by):
            if g not in self.groups:
                out.append((("comparisons", "change_by", j),
                            f"unknown group '{g}' (groups: {known})"))
        for j, w in enumerate(c.waves or []):
            if w not in waves:
                out.append((("comparisons", "waves", j), f"unknown wave '{w}' (waves: "
                                                         f"{', '.join(waves) or 'none'})"))
        out += self._invariance_problems(known, waves)
        if len(set(self.sections)) != len(self.sections):
            out.append((("sections",), "a section is listed twice"))
        seen: dict[str, int] = {}
        for i, inst in enumerate(self.instruments):
            if inst.id in seen:
                out.append((("instruments", i, "id"),
                            f"instrument '{inst.id}' is listed twice (first at "
                            f"instruments[{seen[inst.id]}])"))
            seen.setdefault(inst.id, i)
        return out

    def _invariance_problems(self, known: str, waves: list[str]
                             ) -> list[tuple[NodePath, str]]:
        inv = self.invariance
        if inv is None:
            return []
        out: list[tuple[NodePath, str]] = []
        for j, g in enumerate(inv.groups):
            if g not in self.groups:
                out.append((("invariance", "groups", j), f"unknown group '{g}' (groups: "
                                                         f"{known})"))
        for j, w in enumerate(inv.waves or []):
            if w not in waves:
                out.append((("invariance", "waves", j), f"unknown wave '{w}' (waves: "
                                                        f"{', '.join(waves) or 'none'})"))
        ids = [i.id for i in self.instruments]
        for j, iid in enumerate(inv.instruments or []):
            if iid not in ids:
                out.append((("invariance", "instruments", j),
                            f"'{iid}' is not one of the study's instruments ({', '.join(ids)})"))
        steps = list(inv.steps)
        if steps and (steps[0] != "configural" or len(set(steps)) != len(steps)
                      or steps != sorted(steps, key=INVARIANCE_STEPS.index)):
            out.append((("invariance", "steps"), "steps start with configural and follow "
                                                 f"the order {', '.join(INVARIANCE_STEPS)}"))
        if not inv.groups and not inv.across_waves:
            out.append((("invariance",), "say across which groups (groups: [...]) and/or "
                                         "whether across waves (across_waves: true)"))
        return out

    # -- views -----------------------------------------------------------------------------

    def wave_label(self, wave: str) -> str:
        return self.waves.labels.get(wave, wave) if self.waves else wave

    def group_label(self, column: str, value: str | None = None) -> str:
        g = self.groups.get(column)
        if value is None:
            return (g.label if g and g.label else column)
        return g.labels.get(value, value) if g else value


class LoadedStudy:
    """A validated study with the file it came from (paths resolve against its folder)."""

    def __init__(self, study: Study, file: str | None, instruments: list[Any]):
        self.study = study
        self.file = file
        self.instruments = instruments  # psychometrics.Instrument, in study order

    @property
    def folder(self) -> Path:
        return Path(self.file).resolve().parent if self.file else Path.cwd()

    def path(self, relative: str) -> Path:
        p = Path(relative)
        return p if p.is_absolute() else self.folder / p


def parse_study(data: Any, marks: dict[NodePath, tuple[int, int]], file: str, *,
                check_files: bool = True) -> LoadedStudy:
    """Validate a loaded YAML document as a Study; all problems in one DefinitionError."""
    from psychometrics.catalog import load_instrument

    if not isinstance(data, dict):
        raise DefinitionError([Problem(file, 1, 1, "", "the file must hold a mapping of fields")])
    rules: list[tuple[NodePath, str]] = []
    try:
        study = Study.model_validate(data, context={"problems": rules})
    except ValidationError as exc:
        raise DefinitionError(_pydantic_problems(exc, marks, file)) from None
    problems = [_problem(file, marks, path, msg) for path, msg in rules]
    folder = Path(file).resolve().parent if file != "<study>" else Path.cwd()
    for i, f in enumerate(study.data if check_files else []):
        p = Path(f.path) if Path(f.path).is_absolute() else folder / f.path
        if not p.is_file():
            problems.append(_problem(file, marks, ("data", i, "path"),
                                     f"no data file at '{p}'"))
    instruments = []
    for i, si in enumerate(study.instruments):
        ref = si.id
        if ref.lower().endswith((".yaml", ".yml")) and not Path(ref).is_absolute():
            ref = str(folder / ref)
        try:
            inst = load_instrument(ref)
        except DefinitionError as exc:
            problems.append(_problem(file, marks, ("instruments", i, "id"),
                                     "; ".join(p.message for p in exc.problems)))
            continue
        instruments.append(inst)
        for j, s in enumerate(si.scales or []):
            if s not in inst.scales:
                problems.append(_problem(file, marks, ("instruments", i, "scales", j),
                                         f"unknown scale '{s}' of '{inst.id}' (scales: "
                                         f"{', '.join(inst.scales)})"))
        if isinstance(si.columns, dict):
            for item in si.columns:
                if item not in inst.item_map:
                    problems.append(_problem(file, marks, ("instruments", i, "columns", item),
                                             f"unknown item '{item}' of '{inst.id}'"))
        elif isinstance(si.columns, str) and "{n}" not in si.columns and \
                "{id}" not in si.columns:
            problems.append(_problem(file, marks, ("instruments", i, "columns"),
                                     "a columns format needs {n} or {id}"))
    if problems:
        raise DefinitionError(problems)
    return LoadedStudy(study, file, instruments)


def load_study(path: str | os.PathLike[str] | Study, *, check_files: bool = True
               ) -> LoadedStudy:
    """Read and validate a study YAML (or take a :class:`Study` built in Python).

    With ``check_files=False`` the data files need not exist (the data are given
    otherwise, as in ``evaluate(study, data=frame)``).

    Every problem is reported at once, each with file, line and column, in a
    :class:`~psychometrics.errors.DefinitionError`: unknown fields, unknown groups in the
    comparisons, missing data files, unknown instruments or scales.

    Examples
    --------
    >>> from psychometrics.datasets import mentorship_study_path
    >>> loaded = load_study(mentorship_study_path())
    >>> loaded.study.waves.order, [i.id for i in loaded.instruments]
    (['baseline', 'one_year'], ['acs', 'gse', 'css', 'who5'])
    """
    if isinstance(path, Study):
        data = path.model_dump(by_alias=True, exclude_none=True)
        return parse_study(data, {}, "<study>", check_files=check_files)
    file = os.fspath(path)
    if not Path(file).is_file():
        raise DefinitionError(f"no study file at '{file}'", file=file)
    data, marks = read_yaml(file)
    return parse_study(data, marks, file, check_files=check_files)


def study_json_schema() -> dict[str, Any]:
    """The JSON Schema of the study format (committed as ``instruments/study.schema.json``)."""
    schema = Study.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = STUDY_SCHEMA_URL
    return schema

