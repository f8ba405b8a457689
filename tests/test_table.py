"""The results table the chapters print: one set of strings for the HTML and the text rendering."""

import re

import numpy as np
import pytest

from initdyn.plotting import Table


def test_text_and_html_show_the_same_cells():
    t = Table({"width": [2, 16], "P": [0.25, np.float64(0.5)], "init": ["he", "glorot"]},
              formats={"P": ".3f"}, caption="demo")
    text = repr(t).splitlines()
    assert text == ["demo", "width |     P | init", "----- | ----- | ------",
                    "    2 | 0.250 | he", "   16 | 0.500 | glorot"]
    cells = re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", t._repr_html_())
    assert cells == ["width", "P", "init", "2", "0.250", "he", "16", "0.500", "glorot"]
    assert "<caption>demo</caption>" in t._repr_html_()


def test_html_is_escaped():
    assert "&lt;b&gt;" in Table({"x": ["<b>"]})._repr_html_()


@pytest.mark.parametrize("columns, formats, match", [
    ({}, None, "non-empty mapping"),
    ([("a", [1])], None, "non-empty mapping"),
    ({"a": [1, 2], "b": [1]}, None, "same length"),
    ({"a": [1]}, {"b": ".2f"}, "not in the table"),
])
def test_bad_tables_are_refused(columns, formats, match):
    with pytest.raises((TypeError, ValueError), match=match):
        Table(columns, formats=formats)


def test_zero_dimensional_arrays_and_numpy_scalars_are_numbers_bools_are_not():
    t = Table({"a": [np.array(1.5), np.float64(2.0)], "b": [True, False]}, formats={"a": ".1f"})
    assert t.numeric == [True, False]
    assert repr(t).splitlines()[2:] == ["1.5 | True", "2.0 | False"]
