"""How far to trust an eval judge: its agreement with the hand-labelled claims of the verification set.

    python -m evals.judge_agreement [--judge entailment|lexical] [--split tune|test|all] [--refresh]
    python -m evals.judge_agreement --claims evals/verification/heldout11_claims.jsonl  # any labelled set

Each claim of `evals/verification/claims.jsonl` is given to the judge with its cited paper's title and
whole abstract, as the harness gives cited sources. Agreement: the share of claims the judge calls
supported exactly when their label is `supported`; also the acceptance rate per label and kind.
Results are cached in `evals/verification/judge_agreement.json` under the judge's name and a hash of
its prompt, so every eval report can print them without re-judging 169 claims. `--claims` measures the
judge on another labelled set (one the judge's prompt was never tuned on), uncached.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from evals.judge import COVERAGE, NUMBER_RULE, SUPPORT_THRESHOLD, EntailmentJudge, Judge, OfflineJudge
from evals.verifier_eval import DEFAULT_CLAIMS, bundled_papers, load_claims
from rag.paper import normalize_title
from rag.prompts import load_prompt

CACHE = Path(__file__).parent / "verification" / "judge_agreement.json"


def judge_fingerprint(judge: Judge) -> str:
    """Changes with the judge's prompt and model (LLM judges) or its rule's constants (lexical)."""
    if isinstance(judge, EntailmentJudge):
        text = f"{judge.name}\n{load_prompt('judge_entail')}\n{NUMBER_RULE}\nyes>={SUPPORT_THRESHOLD}"
    elif isinstance(judge, OfflineJudge):
        text = f"{judge.name}\ncoverage={COVERAGE}"
    else:
        text = judge.name
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def agreement(judge: Judge, claims: list[dict[str, Any]]) -> dict[str, Any]:
    """Agreement of `judge` with the labels of `claims`, overall and per label / label-kind."""
    papers = bundled_papers()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    agree = 0
    for claim in claims:
        paper = papers[normalize_title(claim["paper_title"])]
        accepted = judge.supports(claim["claim"], [f"{paper.title}. {paper.abstract}"])
        agree += accepted == (claim["label"] == "supported")
        for key in (claim["label"], f"{claim['label']}/{claim['kind']}"):
            counts[key][0] += accepted
            counts[key][1] += 1
    return {
        "claims": len(claims),
        "agreement": round(agree / len(claims), 4) if claims else None,
        "accepted": {key: {"accepted": a, "of": n, "rate": round(a / n, 3)} for key, (a, n) in sorted(counts.items())},
    }


def _read_cache() -> dict[str, Any]:
    return json.loads(CACHE.read_text(encoding="utf-8")) if CACHE.exists() else {}


def cached_agreement(judge: Judge, split: str = "all", refresh: bool = False) -> dict[str, Any]:
    """The judge's agreement on `split` of the claims, computed once per judge fingerprint and cached."""
    key = f"{judge.name}|{judge_fingerprint(judge)}|{split}"
    cache = _read_cache()
    if refresh or key not in cache:
        cache[key] = {"judge": judge.name, "split": split, **agreement(judge, load_claims(DEFAULT_CLAIMS, split))}
        with contextlib.suppress(OSError):  # an installed, read-only package: measured again next time
            CACHE.write_text(json.dumps(cache, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return cache[key]


def main() -> None:
    from rag.cli import eval_judge
    from rag.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--judge", choices=("entailment", "lexical"), default="entailment")
    parser.add_argument("--split", choices=("tune", "test", "all"), default="all")
    parser.add_argument("--refresh", action="store_true", help="judge again even if cached")
    parser.add_argument("--claims", help="another labelled claim set (JSONL, as evals/verification/); not cached")
    args = parser.parse_args()
    judge = eval_judge(args.judge, None, None, Settings.load())
    if args.claims:
        claims = load_claims(Path(args.claims), args.split)
        print(json.dumps({"judge": judge.name, "claims_file": args.claims, **agreement(judge, claims)}, indent=2))
        return
    print(json.dumps(cached_agreement(judge, args.split, args.refresh), indent=2))


if __name__ == "__main__":
    main()
