"""How often a citation verifier accepts hand-labelled claims, per label, kind and split.

    python -m evals.verifier_eval [evals/verification/claims.jsonl] [--split tune|test|all] [--preset P]
        [--set section.field=value ...] [--rows]

Each claim is checked as the answer sentence "<claim> [1]." against its cited paper's abstract with the
verifier chosen by Settings (`verification.verifier`). A good verifier accepts `supported` paraphrases and
rejects `contradicted` and `not_enough_info` claims. Papers come from the bundled corpus (no index needed).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from rag.answer_types import Source
from rag.config import bundled_corpus_files
from rag.dedup import deduplicate
from rag.embedding import embedder_for
from rag.judges import make_verifier
from rag.paper import Paper, normalize_title
from rag.parsing import parse_file
from rag.sentences import SentenceIndex
from rag.settings import Settings, parse_assignments

DEFAULT_CLAIMS = Path(__file__).parent / "verification" / "claims.jsonl"


def load_claims(path: str | Path, split: str = "all") -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split == "all" or r["split"] == split]


def bundled_papers() -> dict[str, Paper]:
    """Bundled corpus papers by normalised title."""
    papers = deduplicate(p for f in bundled_corpus_files() for p in parse_file(f))
    return {normalize_title(p.title): p for p in papers}


def judged_claims(claims: list[dict[str, Any]], settings: Settings) -> list[dict[str, Any]]:
    """Each claim with the verifier's decision: `accepted` (a supported sentence citing [1]), `verdict`
    and `support` (the judge's probability of supported, 0 when a cheap filter decided)."""
    papers = bundled_papers()
    embedder = embedder_for(settings.index)
    verifier = make_verifier(settings, embedder, SentenceIndex(embedder))
    results = []
    for claim in claims:
        paper = papers[normalize_title(claim["paper_title"])]
        sentences = verifier.verify(f"{claim['claim'].rstrip('.')} [1].", [Source.from_paper(paper, 1)]).sentences
        accepted = any(s.supported and 1 in s.citations for s in sentences)
        verdict = sentences[0].verdict if sentences else "not_enough_info"
        support = sentences[0].support if sentences else 0.0
        results.append({**claim, "accepted": accepted, "verdict": verdict, "support": support})
    return results


def acceptance_of(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Share of claims accepted, by label and by label/kind."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in results:
        for key in (row["label"], f"{row['label']}/{row['kind']}"):
            counts[key][0] += row["accepted"]
            counts[key][1] += 1
    return {key: {"accepted": a, "of": n, "rate": round(a / n, 3)} for key, (a, n) in sorted(counts.items())}


def acceptance(claims: list[dict[str, Any]], settings: Settings) -> dict[str, Any]:
    """Share of claims the verifier accepts (a supported sentence citing [1]), by label and by label/kind."""
    return acceptance_of(judged_claims(claims, settings))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("claims", nargs="?", default=str(DEFAULT_CLAIMS))
    parser.add_argument("--split", choices=("tune", "test", "all"), default="all")
    parser.add_argument("--preset")
    parser.add_argument("--set", action="append", metavar="SECTION.FIELD=VALUE", help="override a setting")
    parser.add_argument("--rows", action="store_true", help="also print every claim's verdict and support")
    args = parser.parse_args()
    settings = Settings.load(args.preset, overrides=parse_assignments(args.set))
    results = judged_claims(load_claims(args.claims, args.split), settings)
    result: dict[str, Any] = {
        "verifier": settings.verification.verifier,
        "split": args.split,
        "settings_hash": settings.fingerprint(),
        "acceptance": acceptance_of(results),
    }
    if args.rows:
        keys = ("id", "label", "kind", "accepted", "verdict", "support", "claim")
        result["rows"] = [{k: row[k] for k in keys} for row in results]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
