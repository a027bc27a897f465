"""eval: score policykb against a gold file; the file's shape says what is evaluated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .common import IndexDirOption, JsonOption, console, emit_json, fail, index_dir


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_command)


def eval_command(
    gold: Annotated[Path, typer.Argument(help="A gold JSON file (e.g. a query set with graded evidence).")],
    mode: Annotated[str, typer.Option("--mode", help="Search mode for query sets: hybrid, lexical or dense.")] = "hybrid",
    k: Annotated[int, typer.Option("-k", "--k", help="Cut-off for query sets.")] = 10,
    as_json: JsonOption = False,
    index_dir_opt: IndexDirOption = None,
) -> None:
    """Evaluate against a gold file: a query set gives nDCG@k, Recall@k and MRR, overall and per kind."""
    try:
        data = json.loads(gold.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"{gold}: cannot read it ({exc.strerror}); check the path")
    except ValueError as exc:
        fail(f"{gold}: not valid JSON ({exc})")
    from policykb.evaluate import is_query_set

    if is_query_set(data):
        _eval_queries(data, gold, mode, k, as_json, index_dir(index_dir_opt))
        return
    fail(f"{gold}: not a gold shape policykb knows (a query set is a list of {{'query', 'relevant'}} items)")


def _eval_queries(data, gold: Path, mode: str, k: int, as_json: bool, index: Path) -> None:  # noqa: ANN001
    from policykb.evaluate import evaluate_index, parse_gold
    from policykb.search import MODES, Searcher

    if mode not in MODES:
        fail(f"--mode must be one of {', '.join(MODES)}, not {mode!r}")
    if k < 1:
        fail(f"-k {k}: the cut-off must be at least 1")
    queries = parse_gold(data, source=str(gold))
    with Searcher(index) as searcher:
        report = evaluate_index(searcher, queries, mode=mode, k=k)
    if as_json:
        emit_json(report.to_dict())
        return
    from rich.table import Table

    table = Table(title=f"{gold.name}: {mode}, k={k}")
    for col in ("kind", "queries", f"nDCG@{k}", f"Recall@{k}", "MRR"):
        table.add_column(col, justify="right" if col != "kind" else "left")
    for kind, m in report.by_kind.items():
        table.add_row(kind, str(m["queries"]), f"{m['ndcg']:.3f}", f"{m['recall']:.3f}", f"{m['mrr']:.3f}")
    o = report.overall
    table.add_row("all", str(o["queries"]), f"{o['ndcg']:.3f}", f"{o['recall']:.3f}", f"{o['mrr']:.3f}", style="bold")
    console().print(table)
