"""The read-only commands fuzzed with hypothesis: any option value, any text, any encoding.

The class of bug this guards against: an option value or an argument that reaches Python as
something the code did not expect (a number out of range, `nan`, `1e20`, a lone surrogate from
a terminal that is not UTF-8, markup, an empty string) and ends in a traceback. Whatever the
input, `policykb` must exit 0 or 2, and on 2 print exactly one line starting with `error:`.

The commands run in this process through the console script's own entry point (`cli.main.run`)
with stdout and stderr replaced by streams that encode as a real UTF-8 terminal does (stdout
strict, stderr backslashreplace), so an unencodable character fails here as it would there.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from helpers.index_copy import copy_index
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policykb.cli.main import run

# Options of each read-only command that take a value (flags like --json are drawn separately).
COMMANDS: dict[str, tuple[bool, list[str]]] = {  # name: (takes a positional argument, options)
    "search": (True, ["-k", "--mode", "--kind", "--publisher", "--year-from", "--year-to", "--doc", "--cites"]),
    "show": (True, ["--lines"]),
    "export": (True, ["--format"]),
    "xref": (True, ["--date"]),
    "cites": (True, []),
    "law": (True, []),
    "trace": (False, ["--doc", "--actor", "--modality", "--source", "--format"]),
    "refs": (True, ["--date"]),
    "entities": (True, []),
    "docs": (False, []),
    "stats": (False, []),
}

TRICKY = [
    "", " ", "-", "--", "0", "-1", "1e20", "1e3", "nan", "inf", "-inf", "99999999999999999999",
    "-99999999999999999999", "3.5", "0x10", "２０２０",  # full-width digits
    b"hemsjukv\xe5rd".decode("utf-8", "surrogateescape"),  # Latin-1 terminal → lone surrogate
    "\udcff", "2 kap. 3 § HSL", "HSL", "SFS 2017:30", "prop. 2019/20:164", "[/bold]", "[red]x",
    "<script>alert(1)</script>", "=1+1", "\x00", "\u00ad", "\u00a0", "a" * 5000, "2020-13-45", "json", "md",
    "hybrid", "csv", "004_2be6a2c697e985af.txt", "../../etc/passwd",
]
values = st.one_of(
    st.sampled_from(TRICKY),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(st.characters(codec=None, exclude_categories=("Cn",)), max_size=40),
)


@st.composite
def command_lines(draw) -> list[str]:
    name = draw(st.sampled_from(sorted(COMMANDS)))
    positional, options = COMMANDS[name]
    argv = [name]
    if positional:
        argv.append(draw(values))
    for option in draw(st.lists(st.sampled_from(options), max_size=3, unique=True)) if options else []:
        argv += [option, draw(values)]
    if draw(st.booleans()):
        argv.append("--json")
    return argv


@pytest.fixture(scope="module")
def fuzz_index(corpus_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_index(corpus_index, tmp_path_factory.mktemp("fuzz") / "index")


def run_like_a_terminal(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out_bytes, encoding="utf-8", errors="strict", write_through=True)
    stderr = io.TextIOWrapper(err_bytes, encoding="utf-8", errors="backslashreplace", write_through=True)
    monkeypatch.setattr(sys, "argv", ["policykb", *argv])
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8"))
    try:
        run()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        monkeypatch.undo()
    return code, out_bytes.getvalue().decode("utf-8"), err_bytes.getvalue().decode("utf-8")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=command_lines())
def test_any_input_to_a_read_only_command_is_an_answer_or_one_line_error(argv, fuzz_index, monkeypatch) -> None:
    code, out, err = run_like_a_terminal([*argv, "--index-dir", str(fuzz_index)], monkeypatch)
    assert "Traceback" not in err and "Traceback" not in out, (argv, err)
    assert code in (0, 2), (argv, code, err)
    if code == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("error:")]
        assert len(errors) == 1, (argv, err)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["show", "x", "--lines", "-3"], "--lines"),
        (["show", "x", "--lines", "99999999999999999999"], "--lines"),
        (["docs", "--bogus"], "No such option: --bogus"),
        (["nosuch"], "No such command"),
        (["show"], "Missing argument"),
    ],
)
def test_usage_errors_are_one_line_with_a_pointer_to_help(argv, message, fuzz_index, monkeypatch) -> None:
    code, _, err = run_like_a_terminal([*argv, "--index-dir", str(fuzz_index)] if argv[0] != "nosuch" else argv, monkeypatch)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err and "--help`" in err, err
