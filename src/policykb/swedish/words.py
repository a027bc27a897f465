"""Swedish word forms the taggers generate from their data files."""

from __future__ import annotations


def genitive(form: str) -> str:
    """The s-genitive of a word or phrase: `Socialstyrelsen` -> `Socialstyrelsens`; a form that
    already ends in s, x or z takes no extra s (`IVO:s` is written with a colon elsewhere)."""
    return form if form.endswith(("s", "x", "z")) else form + "s"
