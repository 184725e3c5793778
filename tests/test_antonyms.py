"""One word of the source sentence turned into its opposite is contradicted without the judge (`rag.antonyms`)."""

from __future__ import annotations

from evals.verifier_eval import bundled_papers
from rag.answer_types import Source
from rag.antonyms import flipped_word
from rag.paper import normalize_title
from rag.text import split_sentences

SLIMMABLE = "Slimmable Encoders for Flexible Split DNNs in Bandwidth and Resource Constrained IoT Systems"
EVIDENCE = (
    "Moreover, our model outperforms existing solutions in terms of compression efficacy and execution time, "
    "especially in the context of weak mobile devices."
)


def _source(title: str) -> Source:
    return Source.from_paper(bundled_papers()[normalize_title(title)], 1)


def test_a_flipped_word_before_the_same_next_word_is_found():
    flip = flipped_word("It is fastest especially on powerful mobile devices.", [EVIDENCE])
    assert flip is not None and (flip.said, flip.source_word, flip.sentence) == ("powerful", "weak", EVIDENCE)
    assert flipped_word("It is fastest especially on weak mobile devices.", [EVIDENCE]) is None  # the same word


def test_comparisons_title_words_and_other_contexts_are_not_flips():
    source = ["SparK is more robust to the size of the training dataset than contrastive methods."]
    # A comparison stated from the other side says the same thing (`rag.roles` decides comparisons).
    mirrored = "Contrastive methods are less robust to the size of the training dataset than SparK."
    assert flipped_word(mirrored, source) is None
    assert flipped_word("Compared with SparK, contrastive methods are less robust to dataset size.", source) is None
    assert flipped_word("Contrastive methods are less robust to dataset size.", source) is not None
    # A word of the title names the method; an antonym before another word is another statement.
    title, claim = "Pitch Estimation with Very Low Complexity", "Very Low Complexity pitch estimation is accurate."
    assert flipped_word(claim, ["Baselines have high complexity trackers."]) is not None
    assert flipped_word(claim, ["Baselines have high complexity trackers."], title) is None
    assert flipped_word("It has low complexity.", ["It reaches high accuracy."]) is None


def test_the_verifier_contradicts_the_flip_without_the_judge(filters_only):
    """Held-out claim h9-012, which the judge accepted at P(supported) 0.63."""
    flipped = (
        "The slimmable encoder model outperforms existing solutions in compression efficacy and execution time, "
        "especially on powerful mobile devices [1]."
    )
    [checked] = filters_only.verify(flipped, [_source(SLIMMABLE)]).sentences
    assert checked.verdict == "contradicted" and not checked.supported and checked.evidence == EVIDENCE
    assert EVIDENCE in split_sentences(_source(SLIMMABLE).abstract)
