"""eval GOLD.json: score policykb against a gold file, whatever its kind.

The kind is read from the items: "refs" -> references, "entities" -> entity mentions,
"query" -> retrieval, "sources" -> requirement tracing. Each kind has one scorer below.
Retrieval reports nDCG@k, Recall@k and MRR (see `policykb.evaluate.retrieval`) for one search mode.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from policykb.cli.common import JsonOption, console, emit_json, literal

GOLD_KINDS = {"refs": "references", "entities": "entities", "query": "retrieval", "sources": "trace"}


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_command)


def _score_references(items: list[dict[str, Any]], index_dir: Path | None) -> dict[str, Any]:
    from policykb.evaluate.tagging import evaluate_references

    return evaluate_references(items)


def _score_entities(items: list[dict[str, Any]], index_dir: Path | None) -> dict[str, Any]:
    from policykb.evaluate.tagging import evaluate_entities

    return evaluate_entities(items)


def _score_trace(items: list[dict[str, Any]], index_dir: Path | None) -> dict[str, Any]:
    from policykb.config import resolve_index_dir
    from policykb.store import Store
    from policykb.evaluate.trace import evaluate_trace

    with Store.open(resolve_index_dir(index_dir), create=False, readonly=True) as store:
        return evaluate_trace(store, items)


def _score_retrieval(items: list[dict[str, Any]], index_dir: Path | None, *, mode: str = "hybrid", k: int = 10) -> dict[str, Any]:
    from policykb.config import resolve_index_dir
    from policykb.errors import InputError
    from policykb.evaluate.retrieval import evaluate_index, parse_gold
    from policykb.query.search import MODES, Searcher

    if mode not in MODES:
        raise InputError(f"--mode must be one of {', '.join(MODES)}, not {mode!r}")
    if k < 1:
        raise InputError(f"-k {k}: the cut-off must be at least 1")
    queries = parse_gold(items)
    with Searcher(resolve_index_dir(index_dir)) as searcher:
        report = evaluate_index(searcher, queries, mode=mode, k=k)
    return {"items": len(queries), **report.to_dict()}


# kind -> scorer(items, index_dir).
SCORERS = {
    "references": _score_references,
    "entities": _score_entities,
    "trace": _score_trace,
    "retrieval": _score_retrieval,
}


def detect_kind(items: Any, path: Path) -> str:
    from policykb.errors import InputError

    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise InputError(f"{path}: a gold file is a JSON list of items (objects); this one is not")
    for key, kind in GOLD_KINDS.items():
        if all(key in item for item in items):
            return kind
    raise InputError(
        f"{path}: cannot tell the gold kind: items need a 'refs', 'entities', 'query' or 'sources' field"
    )


def eval_command(
    gold: Annotated[Path, typer.Argument(help="Gold file (JSON list of items).", show_default=False)],
    index_dir_opt: Annotated[Path | None, typer.Option("--index-dir", envvar="POLICYKB_INDEX_DIR",
                                                        help="Index directory (for retrieval/trace gold).")] = None,
    errors: Annotated[bool, typer.Option("--errors", help="Also list the items scored wrong.")] = False,
    mode: Annotated[str, typer.Option("--mode", help="Retrieval gold: search mode (hybrid, lexical, dense).")] = "hybrid",
    k: Annotated[int, typer.Option("-k", "--k", help="Retrieval gold: cut-off.")] = 10,
    as_json: JsonOption = False,
) -> None:
    """Score against a gold file: precision, recall and F1 (references, entities, trace), or
    nDCG@k, Recall@k and MRR (retrieval), overall and per kind or label."""
    from policykb.errors import InputError

    if not gold.is_file():
        raise InputError(f"{gold}: no such file; pass the path of a gold JSON file")
    try:
        items = json.loads(gold.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{gold}: not valid JSON ({exc}); fix the file") from exc
    kind = detect_kind(items, gold)
    scorer = SCORERS.get(kind)
    if scorer is None:
        raise InputError(f"{gold}: {kind} gold files are not supported by `policykb eval` yet")
    result = scorer(items, index_dir_opt, mode=mode, k=k) if kind == "retrieval" else scorer(items, index_dir_opt)
    result = {"gold": str(gold), "kind": kind, **result}
    if as_json:
        if not errors:
            result.pop("errors", None)
        emit_json(result)
        return
    from rich.table import Table

    if kind == "retrieval":
        _print_retrieval(result, gold)
        return
    groups = result.get("per_kind") or result.get("per_label") or {}
    table = Table(title=f"{kind}: {result['items']} items from {gold.name}")
    for column in ("", "precision", "recall", "F1", "tp", "fp", "fn"):
        table.add_column(column, justify="right" if column else "left")
    for name, s in [("overall", result["overall"]), *groups.items()]:
        table.add_row(literal(name), f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}",
                      str(s["tp"]), str(s["fp"]), str(s["fn"]), style="bold" if name == "overall" else None)
    out = console()
    out.print(table)
    if errors:
        for e in result.get("errors", []):
            out.print(literal(f"- {e['text'][:100]!r}: missing {e['missing']}, extra {e['extra']}"))


def _print_retrieval(result: dict[str, Any], gold: Path) -> None:
    from rich.table import Table

    k = result["k"]
    table = Table(title=f"retrieval: {result['items']} queries from {gold.name}, mode {result['mode']}")
    for column in ("", "queries", f"nDCG@{k}", "95% CI", f"Recall@{k}", "MRR"):
        table.add_column(column, justify="right" if column else "left")
    for name, m in [("overall", result["overall"]), *result["by_kind"].items()]:
        low, high = m["ndcg_ci95"]
        table.add_row(literal(name), str(m["queries"]), f"{m['ndcg']:.3f}", f"{low:.2f}–{high:.2f}",
                      f"{m['recall']:.3f}", f"{m['mrr']:.3f}", style="bold" if name == "overall" else None)
    console().print(table)
