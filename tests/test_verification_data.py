"""Every hand-labelled claim file is well-formed against the bundled corpus: known labels and kinds, unique
ids, exact corpus titles, verbatim evidence (empty only for not-enough-info), `true_of` only for claims
true of another paper. A typo in a title or an evidence sentence edited by hand fails here, not silently
in the figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.verifier_eval import bundled_papers, load_claims
from rag.paper import normalize_title

CLAIM_FILES = sorted(Path("evals/verification").glob("*claims.jsonl"))
QUESTION_FILES = sorted(Path("evals/questions").glob("*.jsonl"))
KINDS = {
    "supported": {"paraphrase", "short"},
    "contradicted": {"negation", "antonym", "direction", "number", "entity"},
    "not_enough_info": {"absent", "other_paper"},
}


def test_every_claim_file_is_found():
    assert len(CLAIM_FILES) >= 10 and len(QUESTION_FILES) >= 6


@pytest.mark.parametrize("path", CLAIM_FILES, ids=lambda p: p.name)
def test_claims_are_labelled_against_exact_corpus_titles_and_verbatim_evidence(path):
    papers = bundled_papers()
    claims = load_claims(path)
    assert len({c["id"] for c in claims}) == len(claims)
    for claim in claims:
        assert claim["split"] in ("tune", "test") and claim["kind"] in KINDS[claim["label"]], claim["id"]
        paper = papers.get(normalize_title(claim["paper_title"]))
        assert paper is not None, claim["id"]
        assert bool(claim["evidence"]) == (claim["label"] != "not_enough_info"), claim["id"]
        assert claim["evidence"] in paper.abstract, claim["id"]
        assert bool(claim["true_of"]) == (claim["kind"] == "other_paper"), claim["id"]
        if claim["true_of"]:
            assert normalize_title(claim["true_of"]) in papers, claim["id"]


@pytest.mark.parametrize("path", QUESTION_FILES, ids=lambda p: p.name)
def test_questions_name_exact_corpus_titles(path):
    papers = bundled_papers()
    questions = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    assert len({q["qid"] for q in questions}) == len(questions)
    for question in questions:
        for title in question.get("gold_titles", []) + question.get("related_titles", []):
            assert normalize_title(title) in papers, question["qid"]
        assert bool(question["gold_titles"]) == (question["type"] != "unanswerable"), question["qid"]
