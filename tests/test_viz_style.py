"""Number format, op symbols and label escaping of the diagrams."""

import pytest

from autonn.viz.roles import looks_like_parameter
from autonn.viz.style import format_number, html_text, op_symbol


@pytest.mark.parametrize(
    "x, precision, expected",
    [
        (2.0, 4, "2.0000"),
        (-3.25, 2, "-3.25"),
        (0.0, 4, "0.0000"),
        (-0.0, 4, "0.0000"),
        (-0.00001, 4, "-1.000e-05"),
        (123456789.0, 4, "1.235e+08"),
        (1.0 / 3.0, 3, "0.333"),
        (float("inf"), 4, "inf"),
        (float("-inf"), 4, "-inf"),
        (float("nan"), 4, "nan"),
    ],
)
def test_format_number(x, precision, expected):
    assert format_number(x, precision) == expected


def test_format_number_compact_drops_trailing_zeros():
    assert format_number(2.0, 4, compact=True) == "2"
    assert format_number(0.5, 4, compact=True) == "0.5"


def test_op_symbols_show_the_constant_exponent():
    assert op_symbol("powc", 3.0) == "^3"
    assert op_symbol("powc", 0.5) == "^0.5"
    assert op_symbol("mul") == "\u00d7"
    assert op_symbol("tanh") == "tanh"


@pytest.mark.parametrize(
    "text, expected",
    [
        ('say "hi"', "say &quot;hi&quot;"),
        ("a<b>c", "a&lt;b&gt;c"),
        ("x & y", "x &amp; y"),
        ("{a|b}", "{a|b}"),  # record syntax has no meaning in an HTML label
        ("line1\nline2", "line1<BR/>line2"),
        ("bell\x07", "bell\\x07"),
        ("\u03b8\u2081 \u2603", "\u03b8\u2081 \u2603"),
        ("it's", "it&#39;s"),
        ("\\N", "\\\\N"),  # a lone backslash would make Graphviz expand \N
        ("a[0]", "a&#91;0&#93;"),
    ],
)
def test_html_text_escapes_markup_and_keeps_unicode(text, expected):
    assert html_text(text) == expected


@pytest.mark.parametrize("label", ["w", "w1", "b", "b0", "w_3", "bias", "weight", "L0.N1.w2", "N.b", "W[2]"])
def test_parameter_labels(label):
    assert looks_like_parameter(label)


@pytest.mark.parametrize("label", ["", "x", "x1", "wx", "loss", "bob", "L0.N1", "y"])
def test_not_parameter_labels(label):
    assert not looks_like_parameter(label)
