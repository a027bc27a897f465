"""Scores shared by every evaluation: precision, recall and F1 from counts."""

from __future__ import annotations


def prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    """Precision, recall and F1 (rounded to 4 places) with the counts they come from. With nothing
    predicted (or nothing to find) precision (recall) is 1.0: no wrong answer was given."""
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "tp": tp, "fp": fp, "fn": fn}
