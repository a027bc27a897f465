"""A bill's own proposed act is not the act named last (issue 17.7): `3 kap. 6–13 §§ i
lagförslaget` cited socialtjänstlagen eight times over."""

from __future__ import annotations

import pytest

from policykb.legal import find_references
from policykb.legal.context import ReferenceContext

SOL = "Enligt 2 kap. 1 § SoL ska kommunen ansvara för insatserna. "


@pytest.mark.parametrize(
    "sentence",
    [
        "Bestämmelserna finns i 3 kap. 6–13 §§ i lagförslaget.",
        "Se 4 kap. 2 § i den föreslagna lagen.",
        "Se 4 kap. 2 § i den föreslagna nya lagen.",
        "Övergången regleras i 5 kap. 3 § i förslaget till lag om stöd till barn och unga.",
        "Se 12 § förslaget till förordning om statsbidrag.",
        "Detta följer av 3 kap. 6 § enligt lagförslaget.",
    ],
)
def test_provisions_of_the_proposed_act_cite_no_act_in_force(sentence: str):
    refs = find_references(SOL + sentence, context=ReferenceContext())
    assert [r.canonical for r in refs] == ["SFS 2001:453 2 kap. 1 §"]


def test_other_provisions_still_follow_the_act_named():
    refs = find_references(SOL + "Se även 5 kap. 3 § samma lag och 3 kap. 6 § i lagförslaget.", context=ReferenceContext())
    assert [r.canonical for r in refs] == ["SFS 2001:453 2 kap. 1 §", "SFS 2001:453 5 kap. 3 §"]
    # a proposal to amend an act numbers its provisions as that act does
    amended = find_references(
        SOL + "Se 5 kap. 3 § i förslaget till lag om ändring i socialtjänstlagen (2001:453).", context=ReferenceContext()
    )
    assert "SFS 2001:453 5 kap. 3 §" in [r.canonical for r in amended]
