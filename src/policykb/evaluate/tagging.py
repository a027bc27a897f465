"""Scoring the reference parser and the entity tagger against gold files.

Gold items are `{"text": ..., "refs": [canonical, ...]}` (references) or
`{"text": ..., "entities": [label, ...]}` (entities). Per item the predicted and gold strings
are compared as sets; true/false positives and false negatives are summed over items,
overall and per kind (references) or label (entities).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any
from policykb.evaluate.metrics import prf


def _score(
    items: Iterable[dict[str, Any]],
    gold_key: str,
    predict: Callable[[dict[str, Any]], set[str]],
    group_of: Callable[[str], str],
) -> dict[str, Any]:
    totals = Counter()
    per_group: dict[str, Counter] = {}
    errors = []
    n = 0
    for item in items:
        n += 1
        gold = set(item.get(gold_key) or [])
        predicted = predict(item)
        for value, outcome in [(v, "tp") for v in gold & predicted] + [(v, "fp") for v in predicted - gold] + \
                [(v, "fn") for v in gold - predicted]:
            totals[outcome] += 1
            per_group.setdefault(group_of(value), Counter())[outcome] += 1
        if gold != predicted:
            errors.append({"text": item.get("text", ""), "missing": sorted(gold - predicted),
                           "extra": sorted(predicted - gold)})
    return {
        "items": n,
        "overall": prf(totals["tp"], totals["fp"], totals["fn"]),
        "per_group": {g: prf(c["tp"], c["fp"], c["fn"]) for g, c in sorted(per_group.items())},
        "errors": errors,
    }


def reference_kind(canonical: str) -> str:
    from policykb.legal.canonical import parse_canonical

    try:
        return parse_canonical(canonical)[0]
    except ValueError:
        return "unknown"


def evaluate_references(gold_items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Precision/recall/F1 of `find_references` on gold items (each item is its own document).

    An item may carry a "date" (the document date) for date-dependent acts.
    """
    from policykb.legal import find_references

    def predict(item: dict[str, Any]) -> set[str]:
        return {r.canonical for r in find_references(item["text"], date=item.get("date"))}

    result = _score(gold_items, "refs", predict, reference_kind)
    result["per_kind"] = result.pop("per_group")
    return result


def evaluate_entities(gold_items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Precision/recall/F1 of `find_entities` on gold items, labels compared as sets per item."""
    from policykb.annotate.pipeline import find_entities

    def predict(item: dict[str, Any]) -> set[str]:
        return {m.label for m in find_entities(item["text"])}

    result = _score(gold_items, "entities", predict, lambda label: label)
    result["per_label"] = result.pop("per_group")
    return result
