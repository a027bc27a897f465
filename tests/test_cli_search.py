"""`policykb search` and `policykb eval` as a user runs them: new processes, exit codes, JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

from helpers.cli import run_cli

GOLD = Path(__file__).resolve().parent / "fixtures" / "gold" / "queries-dev.json"


def test_search_json(corpus_index):
    done = run_cli("search", "samordnad individuell plan", "-k", "3", "--json", "--index-dir", str(corpus_index))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["mode"] == "hybrid" and len(data["hits"]) == 3
    hit = data["hits"][0]
    assert {"rank", "score", "passage_id", "doc_id", "title", "identifier", "pages", "heading", "text", "highlights"} <= set(hit)
    for start, end in hit["highlights"]:
        assert 0 <= start < end <= len(hit["text"])


def test_search_terminal_view(corpus_index):
    done = run_cli("search", "hemsjukvård", "-k", "2", "--mode", "lexical", "--index-dir", str(corpus_index))
    assert done.returncode == 0, done.stderr
    assert " 1. " in done.stdout and " 2. " in done.stdout
    # the one page convention: a printed page ("s. 23") or the page of the file, never a bare position as "s."
    assert re.search(r"  (?:s\. \d+(?:–\d+)?|sida \d+(?:–\d+)? i filen)  score", done.stdout)


def test_search_filters_on_the_command_line(corpus_index):
    done = run_cli(
        "search", "rehabilitering", "--doc", "003_98179518a3d1e638.txt", "-k", "5", "--json",
        "--index-dir", str(corpus_index),
    )
    assert done.returncode == 0, done.stderr
    assert {h["doc_id"] for h in json.loads(done.stdout)["hits"]} == {"003_98179518a3d1e638.txt"}


def test_bad_input_exits_2_with_one_clear_line(corpus_index, tmp_path):
    cases = [
        (("search", "", "--index-dir", str(corpus_index)), "empty"),
        (("search", "vård", "-k", "0", "--index-dir", str(corpus_index)), "at least 1"),
        (("search", "vård", "--mode", "fuzzy", "--index-dir", str(corpus_index)), "--mode"),
        (("search", "och i för", "--mode", "lexical", "--index-dir", str(corpus_index)), "stop words"),
        (("search", "vård", "--index-dir", str(tmp_path / "none")), "ingest"),
        (("search", "vård", "--year-from", "2030", "--index-dir", str(corpus_index)), "no passages match"),
    ]
    for args, needle in cases:
        done = run_cli(*args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert needle in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr


def test_huge_k_and_long_query_warn_but_work(corpus_index):
    done = run_cli("search", "vård " * 5000, "-k", "100000", "--json", "--index-dir", str(corpus_index))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["hits"] and len(data["warnings"]) == 2
    assert "warning:" in done.stderr


def test_eval_query_set(corpus_index):
    done = run_cli("eval", str(GOLD), "--mode", "lexical", "--json", "--index-dir", str(corpus_index))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["mode"] == "lexical" and report["k"] == 10
    assert 0 < report["overall"]["ndcg"] <= 1
    assert set(report["by_kind"]) == {"acronym", "cross_doc", "english", "keyword", "paraphrase", "question"}
    table = run_cli("eval", str(GOLD), "--mode", "lexical", "--index-dir", str(corpus_index))
    assert table.returncode == 0 and "nDCG@10" in table.stdout


def test_eval_rejects_unknown_shapes(tmp_path, corpus_index):
    odd = tmp_path / "odd.json"
    odd.write_text('{"hello": 1}')
    done = run_cli("eval", str(odd), "--index-dir", str(corpus_index))
    assert done.returncode == 2 and "gold" in done.stderr


def test_numbers_out_of_range_and_undecodable_queries_exit_2_with_one_line(hostile_index):
    # Issue 19: `--year-from 99999999999999999999` and a query holding a byte that is not UTF-8
    # (a Latin-1 terminal: Python passes it on as a lone surrogate) ended in tracebacks, and
    # typer answered `--year-from 1e20` with a multi-line box.
    not_utf8 = b"hemsjukv\xe5rd".decode("utf-8", "surrogateescape")
    cases = [
        (["--year-from", "1e20"], "--year-from '1e20' is not a whole number"),
        (["--year-from", "99999999999999999999"], "give a year from 1800 to 2200"),
        (["--year-to", "-5"], "give a year from 1800 to 2200"),
        (["-k", "1e3"], "-k '1e3' is not a whole number"),
        (["-k", "-99999999999999999999"], "ask for at least 1 result"),
        (["--kind", not_utf8], "--kind is not valid text"),
    ]
    for options, message in cases:
        done = run_cli("search", "hemsjukvård", *options, "--index-dir", str(hostile_index))
        assert done.returncode == 2, (options, done.stderr)
        assert done.stderr.count("\n") == 1 and message in done.stderr and "Traceback" not in done.stderr, options
    done = run_cli("search", not_utf8, "--index-dir", str(hostile_index))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "argument 2 is not valid text" in done.stderr and "UTF-8" in done.stderr
    huge = run_cli("search", "hemsjukvård", "-k", "99999999999999999999", "--json", "--index-dir", str(hostile_index))
    assert huge.returncode == 0 and json.loads(huge.stdout)["hits"]  # a sensible result, with a warning
