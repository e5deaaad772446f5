"""lavaan model syntax: psychometrics.factor.parse_model."""

from __future__ import annotations

import pytest

from psychometrics.errors import DefinitionError
from psychometrics.factor import parse_model
from psychometrics.factor.syntax import ModelSpec, ModelSyntaxError, ModelTerm


def test_classic_model_newlines_and_semicolons() -> None:
    a = parse_model("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6")
    b = parse_model("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6")
    assert a == b
    assert a.factors == {"visual": ("x1", "x2", "x3"), "textual": ("x4", "x5", "x6")}
    assert a.latent == ("visual", "textual")
    assert a.observed == ("x1", "x2", "x3", "x4", "x5", "x6")
    assert a.covariances == ()


def test_comments_blank_lines_and_continuations() -> None:
    spec = parse_model("""
        # a comment line
        f =~ a + b +   ! lavaan also accepts '!' comments
             c
        f =~ d         # a second line adds an indicator
           + e
    """)
    assert spec.factors == {"f": ("a", "b", "c", "d", "e")}


def test_modifiers() -> None:
    spec = parse_model("f =~ NA*a + 0.5*b + lab*c + start(0.7)*d + label('q')*e + 1e-1*g")
    terms = {t.rhs: t for t in spec.terms}
    assert terms["a"].free and terms["a"].fixed is None
    assert terms["b"].fixed == 0.5
    assert terms["c"].label == "lab" and terms["c"].fixed is None
    assert terms["d"].start == 0.7
    assert terms["e"].label == "q"
    assert terms["g"].fixed == pytest.approx(0.1)


def test_repeated_terms_merge_their_modifiers() -> None:
    spec = parse_model("f =~ NA*a + b + c\nf =~ start(2)*a\na ~~ b\nb ~~ a")
    a = next(t for t in spec.terms if t.rhs == "a")
    assert a.free and a.start == 2.0
    assert len(spec.covariances) == 1
    assert spec.factors["f"] == ("a", "b", "c")


def test_covariances_variances_and_observed_order() -> None:
    spec = parse_model("x7 ~~ x9\nf =~ x1 + x7\ng =~ x8 + x9 + x10\nf ~~ 0*g\nf ~~ 1*f")
    assert [str(t) for t in spec.covariances] == ["x7 ~~ x9", "f ~~ 0*g", "f ~~ 1*f"]
    # lavaan's ov order: the indicators in order of appearance, then items only in ~~.
    assert spec.observed == ("x1", "x7", "x8", "x9", "x10")
    only_cov = parse_model("f =~ a + b + c\nz ~~ a")
    assert only_cov.observed == ("a", "b", "c", "z")


def test_dict_models() -> None:
    spec = parse_model({"f": ["a", "b", "c"], "g": ["NA*d", "e", "h"]})
    assert spec.factors == {"f": ("a", "b", "c"), "g": ("d", "e", "h")}
    assert next(t for t in spec.terms if t.rhs == "d").free
    assert parse_model(spec) is spec


def test_round_trip_through_lavaan_syntax() -> None:
    text = "f =~ NA*a + b*b + c\ng =~ d + e + 2*h\na ~~ d\nf ~~ 1*f"
    spec = parse_model(text)
    assert spec.to_syntax() == text
    assert parse_model(spec.to_syntax()) == spec
    assert isinstance(spec, ModelSpec) and isinstance(spec.terms[0], ModelTerm)


@pytest.mark.parametrize(
    ("text", "line", "token"),
    [
        ("f =~ a + b\ng =~ c + 2d", 2, "'2d'"),
        ("f =~ a + b + c\ny <~ f", 2, "'<~'"),
        ("f =~ a + b + c\n\nf > a", 3, "'>'"),
        ("f =~ a + + b", 1, "stray '+'"),
        ("f = a + b", 1, "no operator"),
        ("f =~ a\nf =~ c(1, 2b)*b", 2, "'2b'"),
        ("f =~ a + b\nx1 + 2*x2 =~ c", 2, "'x1 + 2*x2'"),  # lavaan reads 'x1 + x2 =~ c'
        ("f =~ 1*NA*a", 1, "both fixed and freed"),
        ("f =~ a + b*\n", 1, "missing variable name"),
        ("f =~ f + a", 1, "own indicator"),
        ("f =~ a + $b", 1, "'$b'"),
        ("f =~ a + b\nf =~ 1*a + 2*a", 2, "two fixed values"),
        ("f =~ x | t1", 1, "'|'"),
    ],
)
def test_errors_name_the_line_and_the_token(text: str, line: int, token: str) -> None:
    with pytest.raises(ModelSyntaxError) as info:
        parse_model(text)
    message = str(info.value)
    assert message.startswith(f"<model>:{line}"), message
    assert token in message, message
    assert isinstance(info.value, DefinitionError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize("bad", ["", "   \n# only a comment\n", {}, {"f": []}, {"f": "a + b"},
                                 {"f": ["a", 3]}, {"1f": ["a"]}])
def test_empty_or_malformed_models(bad: object) -> None:
    with pytest.raises(ModelSyntaxError):
        parse_model(bad)  # type: ignore[arg-type]


def test_wrong_type() -> None:
    with pytest.raises(TypeError):
        parse_model(42)  # type: ignore[arg-type]


def test_error_column_points_into_the_right_statement_of_a_line() -> None:
    with pytest.raises(ModelSyntaxError, match=r"<model>:1:47: operator '<~'"):
        parse_model("affective =~ acs_1 + acs_2 + acs_3; affective <~ acs_4")
