"""How good is the remissvar helper's evidence? Precision of the quotes it shows, judged by hand.

    python benchmarks/eval_consult.py build  --shared ../shared/pdfs      # the indexes below, once
    python benchmarks/eval_consult.py report --index-dir eval-index [--judgements tests/fixtures/consult/judgements.json]
    python benchmarks/eval_consult.py dump   --index-dir eval-index --doc ID [--doc ID] -o shown.json

The evaluation index `eval-index` holds the bundled corpus and the 12 shared PDFs minus their two
Markdown notes (gitignored).

The constructed remisses, `benchmarks/data/consult/remiss-*.txt` (15–16 proposals each, on health care
in the home, on medical checks and building-site coordination, on primary care and rehabilitation, on
patient safety, radiation protection and preparedness — written for the test in our own words on
subjects the index covers, before the helper was run on them —, on municipal care (written after
reading much of the index, so its figure is optimistic), and eighteen written blind by helpers that
had seen neither the index nor the tool, only its document titles), are each consulted over a copy of that index holding it too,
`eval-index-STEM`, so that none is evidence for the others. `build` makes all of them.

`dump` writes every quote the helper shows, per proposal, for a person to judge: relevant
(the quote is about what the proposal proposes), partly (the same field, another aspect), not.
`report` runs the helper again and scores the quotes it shows now against the judgements in
the fixture (`tests/fixtures/consult/judgements.json`): precision of shown quotes (relevant;
relevant + partly), the share not relevant, how many proposals say "no evidence found", and
how many shown quotes are not judged yet (to judge before the figures mean anything). The
fixture also keeps the judged quotes of the behaviour before issue 18 ("before"), so both
stand side by side. The rules and thresholds of round 3 were chosen on the training documents
(the strategy and prop. 2008/09:5) and are reported on the test documents (prop. 2013/14:104,
2012/13:187 and 2012/13:144) with a bootstrap 95 % interval over proposals, per document, per
role (train, test) and over all of them. Later rounds were each run once, frozen, on documents
the helper had never read ("fresh", "fresh4": the out-of-sample results, printed first) and then
took those documents as training documents (the fixture's `about` tells the whole history).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "consult" / "judgements.json"
# Constructed remisses (see the module doc), each consulted over its own index `eval-index-<stem>`.
# A second judge's labels, given blind (without the first judge's) to pairs of proposal and quote.
SECOND_JUDGE = REPO / "tests" / "fixtures" / "consult" / "second-judge.json"
CONSTRUCTED = sorted((REPO / "benchmarks" / "data" / "consult").glob("remiss-*.txt"))
# The judged runs kept in the fixture: main before issue 18, round 1 on its own index, round 1's
# code on the index rebuilt from main at round 2 (whole passages, new lemmas, no TOC blocks).
STORED_RUNS = {
    "before": "before issue 18 (main, old index)",
    "after": "round 1 (old index)",
    "rebuilt": "round 1 code, index rebuilt at round 2",
    "fresh": "round 3 (+ two rules, frozen at 25b0220) on three documents it had never seen",
    "fresh4": "round 4 (frozen at 1392b1c) on the five shared PDFs it had never seen",
    "constructed": "round 5 (frozen at 73e3617) on the constructed remiss on home care, never run before",
    "constructed2": "round 6 (frozen at d52c6ef) on the constructed remiss on work environment, never run before",
    "constructed3": "round 7 (frozen at e1f9684) on the constructed remiss on primary care and rehabilitation, never run before",
    "constructed4_round7": "round 7 (f61e858) on the constructed remiss on patient safety and radiation, for comparison",
    "constructed4": "round 8 (frozen at 69d7e73) on the constructed remiss on patient safety and radiation, never run before",
    "constructed5": "round 9 (frozen at 23b9d3f) on the constructed remiss on municipal care (written knowing the index: optimistic)",
    "blind": "round 9 (frozen at 0a8d59e) on a remiss written blind by someone who had seen neither the index nor the tool",
    "blind2": "the same final method on a second remiss written blind, on other topics",
    "blind3": "round 10, the quote gate (frozen at f5a83c7), on a third remiss written blind (rehabilitation, aids)",
    "blind4": "round 10, the quote gate (frozen at f5a83c7), on a fourth remiss written blind (work, data, newcomers)",
    "blind5": "round 11, the gate deciding (frozen at bb31d56), on a fifth remiss written blind (primary care, follow-up)",
    "blind6": "round 11, the gate deciding (frozen at bb31d56), on a sixth remiss written blind (home care, radiation, chemicals)",
    "blind7": "round 11 (bb31d56) on a seventh remiss written blind (occupational therapy, workforce)",
    "blind8": "round 11 (bb31d56) on an eighth remiss written blind (medical checks, building sites)",
    "blind9": "round 11 (bb31d56) on a ninth remiss written blind (discharge, SIP, patient safety)",
    "blind10": "round 11 (bb31d56) on a tenth remiss written blind (radiation protection, data protection)",
    "blind11": "round 11 on an eleventh remiss written blind (chemical risks at work)",
    "blind12": "round 11 on a twelfth remiss written blind (health care at home)",
    "blind13": "round 11 on a thirteenth remiss written blind (a rehabilitation strategy)",
    "blind14": "round 11 on a fourteenth remiss written blind (close care, its next step)",
    "blind15": "round 11 on a fifteenth remiss written blind (data protection in the public sector)",
    "blind16": "round 11 on a sixteenth remiss written blind (radiation: children, dental X-ray)",
    "blind17": "round 11 on a seventeenth remiss written blind (older people: falls, rehabilitation)",
    "blind18": "round 11 on an eighteenth remiss written blind (the client and coordinators on building sites)",
}
# The blind remisses the final method (frozen at bb31d56) was run on, once each; `fit_quote_gate.py
# --as-shipped` leaves their judgements out, as the shipped gate was fitted before them.
FINAL_BLIND = tuple(f"blind{n}" for n in range(5, 19))
# The out-of-sample runs on remisses written blind, by the round that was frozen before them.
BLIND_ROUNDS = {
    "round 9 (cosine floor), blind remisses 1-2": ("blind", "blind2"),
    "round 10 (the quote gate after the lexical test), blind remisses 3-4": ("blind3", "blind4"),
    "round 11 (the quote gate deciding), blind remisses 5-18": FINAL_BLIND,
}
# Judged quotes kept only as judgements (the proposals without evidence are not stored there).
JUDGEMENT_POOLS = (*STORED_RUNS, "round2", "round3", "round4", "round6", "round7", "round8", "round11")


def shown(index_dir: Path, doc_ids: list[str], evidence: int = 3) -> list[dict]:
    from policykb.consult import consult
    from policykb.query.search import Searcher
    from policykb.store import Store

    out = []
    searcher = Searcher(index_dir)
    with Store.open(index_dir, create=False, readonly=True) as store:
        for doc_id in doc_ids:
            started = time.perf_counter()
            result = consult(store, doc_id, searcher=searcher, evidence=evidence)
            seconds = time.perf_counter() - started
            for p in result.proposals:
                out.append({
                    "doc_id": doc_id,
                    "proposal": getattr(p, "id", "") or f"{p.number}",
                    "label": p.label,
                    "text": p.text[:400],
                    "evidence": [
                        {"passage_id": e.passage_id, "doc_id": e.doc_id, "quote": e.quote} for e in p.evidence
                    ],
                    "seconds": round(seconds, 2),
                })
    return out


def precision(items: list[dict]) -> dict:
    quotes = [e for item in items for e in item["evidence"] if e.get("judgement")]
    n = len(quotes)
    count = {k: sum(1 for e in quotes if e["judgement"] == k) for k in ("relevant", "partly", "not")}
    return {
        "proposals": len(items),
        "quotes": n,
        "relevant": count["relevant"] / n if n else None,
        "relevant_or_partly": (count["relevant"] + count["partly"]) / n if n else None,
        "not": count["not"] / n if n else None,
        "no_evidence": sum(1 for item in items if not item["evidence"]),
        "unjudged": sum(1 for item in items for e in item["evidence"] if not e.get("judgement")),
    }


def bootstrap(items: list[dict], key: str, runs: int = 2000, seed: int = 7) -> tuple[float, float] | None:
    """95 % interval of a precision figure, resampling proposals (quotes of one proposal go together)."""
    rng = random.Random(seed)
    judged = [item for item in items if any(e.get("judgement") for e in item["evidence"])]
    if not judged:
        return None
    values = []
    for _ in range(runs):
        sample = [rng.choice(judged) for _ in judged]
        value = precision(sample)[key]
        if value is not None:
            values.append(value)
    values.sort()
    return values[int(0.025 * len(values))], values[int(0.975 * len(values)) - 1]


def judge_from_fixture(items: list[dict], fixture: dict) -> None:
    """Put the fixture's judgement on each shown quote, by the proposal's text and the quote's.

    Not by passage id: ids change when the index is rebuilt (round 2 rebuilt it from main's
    code), and a judgement belongs to what a reader saw, the quote beside its proposal."""
    by_text = {}
    for run in JUDGEMENT_POOLS:
        for item in fixture.get(run, []):
            for e in item["evidence"]:
                if e.get("judgement"):
                    by_text[(item["text"][:120], e["quote"][:120])] = e["judgement"]
    for item in items:
        for e in item["evidence"]:
            e["judgement"] = by_text.get((item["text"][:120], e["quote"][:120]))


def agreement(first: dict[tuple[str, str], str], second: dict[tuple[str, str], str]) -> dict:
    """How far two judges agree on the quotes both judged: the share of equal labels and Cohen's
    kappa (agreement beyond what the two judges' label frequencies give by chance), over the three
    labels and over relevant-or-not (the figure the target is stated in)."""
    both = [k for k in first if k in second]

    def kappa(a: list[str], b: list[str]) -> tuple[float, float]:
        n = len(a)
        observed = sum(x == y for x, y in zip(a, b)) / n
        labels = set(a) | set(b)
        chance = sum((a.count(label) / n) * (b.count(label) / n) for label in labels)
        return observed, (observed - chance) / (1 - chance) if chance < 1 else 1.0

    a, b = [first[k] for k in both], [second[k] for k in both]
    three = kappa(a, b)
    binary = kappa(["relevant" if x == "relevant" else "other" for x in a],
                   ["relevant" if x == "relevant" else "other" for x in b])
    return {"quotes": len(both), "agreement": three[0], "kappa": three[1],
            "relevant_agreement": binary[0], "relevant_kappa": binary[1]}


def build(shared: Path, root: Path) -> None:
    """`eval-index` (corpus + the shared PDFs, their notes files removed) and, beside it, a copy
    holding each constructed remiss. A fresh build: an existing index there is left alone."""
    import shutil
    import subprocess

    policykb = [sys.executable, "-m", "policykb.cli.main"]
    index = root / "eval-index"
    if not index.exists():
        subprocess.run([*policykb, "ingest", str(REPO / "corpus"), str(shared), "--index-dir", str(index)], check=True)
        notes = [p.name for p in shared.glob("*.md")]
        if notes:
            subprocess.run([*policykb, "remove", *notes, "--index-dir", str(index)], check=True)
    for path in CONSTRUCTED:
        copy = root / f"eval-index-{path.stem}"
        if copy.exists():
            continue
        shutil.copytree(index, copy, ignore=shutil.ignore_patterns("*.lock", "*-shm", "*-wal"))
        subprocess.run([*policykb, "ingest", str(path), "--index-dir", str(copy)], check=True)


def _fmt(value) -> str:  # noqa: ANN001
    return "—" if value is None else f"{100 * value:.0f} %"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    dump = sub.add_parser("dump")
    dump.add_argument("--index-dir", type=Path, default=REPO / "eval-index")
    dump.add_argument("--doc", action="append", required=True)
    dump.add_argument("-o", "--output", type=Path, required=True)
    make = sub.add_parser("build")
    make.add_argument("--shared", type=Path, required=True, help="the folder of the 12 shared PDFs")
    make.add_argument("--root", type=Path, default=REPO, help="where to put the indexes (default: the repository)")
    report = sub.add_parser("report")
    report.add_argument("--index-dir", type=Path, default=REPO / "eval-index")
    report.add_argument("--judgements", type=Path, default=FIXTURE)
    report.add_argument("--second-judge", type=Path, default=SECOND_JUDGE,
                        help="a second judge's labels of the same quotes, judged blind: agreement is printed")
    report.add_argument("--constructed-root", type=Path, default=REPO,
                        help="where the indexes eval-index-<stem> of the constructed remisses are (each skipped if absent)")
    args = parser.parse_args()
    if args.command == "build":
        build(args.shared, args.root)
        return
    if args.command == "dump":
        args.output.write_text(json.dumps(shown(args.index_dir, args.doc), ensure_ascii=False, indent=1), encoding="utf-8")
        return
    fixture = json.loads(args.judgements.read_text(encoding="utf-8"))
    split = fixture["split"]  # doc_id -> "train" | "test"
    if args.second_judge.exists():
        second = {(p["proposal"], p["quote"]): p["judgement"]
                  for p in json.loads(args.second_judge.read_text(encoding="utf-8"))}
        first = {(item["text"][:400], e["quote"]): e["judgement"]
                 for run in JUDGEMENT_POOLS + tuple(k for k in fixture if k.startswith("constructed"))
                 for item in fixture.get(run, []) for e in item["evidence"] if e.get("judgement")}
        a = agreement(first, second)
        print(f"second judge, blind, on {a['quotes']} quotes: the same label {100 * a['agreement']:.0f} % "
              f"(kappa {a['kappa']:.2f}); relevant or not {100 * a['relevant_agreement']:.0f} % "
              f"(kappa {a['relevant_kappa']:.2f})")
    for run, name in STORED_RUNS.items():
        print(f"{name} (judged quotes as that code showed them):")
        for doc_id in dict.fromkeys(i["doc_id"] for i in fixture.get(run, [])):
            _print_row(f"  {doc_id}", [i for i in fixture[run] if i["doc_id"] == doc_id])
    print("the blind remisses, each run once by the method frozen before it (our labels; the second judge's):")
    for name, runs in BLIND_ROUNDS.items():
        items = [i for run in runs for i in fixture.get(run, [])]
        _print_row(f"  {name}", items)
        if args.second_judge.exists():
            relabelled = [{**i, "evidence": [{**e, "judgement": second.get((i["text"][:400], e["quote"]))} for e in i["evidence"]]}
                          for i in items]
            _print_row(f"  {name}, second judge", relabelled)
    if not args.index_dir.exists():
        sys.exit(f"no evaluation index at {args.index_dir}; build it as the module doc says")
    items = shown(args.index_dir, list(split))
    roles = dict(split)
    for path in CONSTRUCTED:
        # each over its own index: a constructed remiss must not be evidence for the other documents
        index = args.constructed_root / f"eval-index-{path.stem}"
        if index.exists():
            items += shown(index, [path.name])
            roles[path.name] = "train"
    judge_from_fixture(items, fixture)
    print("now (quotes shown by this code, judged in the fixture):")
    for doc_id, role in roles.items():
        _print_row(f"  {role:5} {doc_id}", [i for i in items if i["doc_id"] == doc_id])
    for role in dict.fromkeys(roles.values()):
        _print_row(f"  all {role} documents", [i for i in items if roles[i["doc_id"]] == role])
    _print_row("  all documents", items)
    seconds = {i["doc_id"]: i["seconds"] for i in items}
    print("draft time (s, evidence=3):", ", ".join(f"{d}: {s}" for d, s in seconds.items()))


def _print_row(name: str, items: list[dict]) -> None:
    p = precision(items)
    ci = bootstrap(items, "relevant")
    interval = f" [95 % CI {_fmt(ci[0])}–{_fmt(ci[1])}]" if ci else ""
    print(
        f"{name}: {p['proposals']} proposals, {p['quotes']} judged quotes; relevant {_fmt(p['relevant'])}{interval}, "
        f"relevant+partly {_fmt(p['relevant_or_partly'])}, not {_fmt(p['not'])}; "
        f"no evidence found: {p['no_evidence']}; unjudged quotes: {p['unjudged']}"
    )


if __name__ == "__main__":
    main()
