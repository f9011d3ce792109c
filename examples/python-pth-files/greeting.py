# -*- coding: future_fstrings -*-
"""Written for Pythons before 3.6: future-fstrings' codec turns f-strings into .format()."""

PYTHONS = ("2.7", "3.5")


def greeting():
    return f"hello from code that also ran on Python {' and '.join(PYTHONS)}"
