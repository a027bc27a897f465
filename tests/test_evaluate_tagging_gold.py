"""The dev gold sets of issue 3: references P >= 0.98, R >= 0.97; entities F1 >= 0.97."""

from __future__ import annotations

import json
from pathlib import Path

from policykb.evaluate.tagging import evaluate_entities, evaluate_references

GOLD = Path(__file__).parent / "fixtures" / "gold"


def test_reference_gold_targets():
    result = evaluate_references(json.loads((GOLD / "refs-dev.json").read_text(encoding="utf-8")))
    overall = result["overall"]
    assert overall["precision"] >= 0.98 and overall["recall"] >= 0.97, result["errors"]
    assert {"section", "chapter", "act", "prop", "sou", "regulation"} <= set(result["per_kind"])


def test_entity_gold_targets():
    result = evaluate_entities(json.loads((GOLD / "entities-dev.json").read_text(encoding="utf-8")))
    assert result["overall"]["f1"] >= 0.97, result["errors"]


def test_scores_count_sets_per_item():
    items = [
        {"text": "Enligt 5 kap. 1 och 4 §§ HSL och HSL.", "refs": ["SFS 2017:30 5 kap. 1 §", "SFS 2017:30 9 kap. 1 §"]},
        {"text": "Inget här.", "refs": []},
    ]
    result = evaluate_references(items)
    # predicted: 5 kap. 1 §, 5 kap. 4 §, the act; gold: 5 kap. 1 §, 9 kap. 1 §
    assert result["overall"]["tp"] == 1 and result["overall"]["fp"] == 2 and result["overall"]["fn"] == 1
    assert result["per_kind"]["act"]["fp"] == 1
    assert len(result["errors"]) == 1 and result["errors"][0]["missing"] == ["SFS 2017:30 9 kap. 1 §"]
