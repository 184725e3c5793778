"""Swapped roles and wrong ranks are contradicted before the judge is asked, and only then.

"DenseNet runs twice as fast as HarDNet" where the abstract says the reverse, and "ranked first" where it
says 3rd rank, passed every cheap filter and the 1.5B judge (P(supported) 0.73 and 0.62 on the test half
of the claim sets). The right orders and ranks, passive paraphrases, equalities and comparisons with the
opposite word must not be caught, and no abstract sentence of the corpus is caught against its own abstract.
"""

from __future__ import annotations

import pytest

from evals.verifier_eval import bundled_papers
from rag.answer_types import Source
from rag.entailment import EntailmentJudge, Judgment
from rag.paper import Paper, normalize_title
from rag.roles import Comparison, comparison, restated_relation, swapped_roles
from rag.text import ranks_in, split_sentences, stated_values
from rag.verification import EntailmentVerifier

THRESHOLDNET = "New Pruning Method Based on DenseNet Network for Image Classification"
AUDIO = "Learning General Audio Representations with Large-Scale Training of Patchout Audio Transformers"
CASCADE = (
    "CascadeTabNet: An approach for end to end table detection and structure recognition from image-based documents"
)


def bundled(title: str) -> Paper:
    return bundled_papers()[normalize_title(title)]


def abstract(title: str) -> list[str]:
    return split_sentences(bundled(title).abstract)


@pytest.mark.parametrize(
    ("title", "claim", "pair"),
    [
        (THRESHOLDNET, "In the CIFAR10 experiments, DenseNet runs twice as fast as HarDNet.", ("densenet", "hardnet")),
        (AUDIO, "CNN representations outperform the representations extracted by audio models.", ("cnn", "audio")),
    ],
)
def test_a_claim_that_swaps_the_two_sides_of_a_comparison_is_caught(title, claim, pair):
    found = swapped_roles(claim, abstract(title))
    assert found is not None and (found.first, found.second) == pair
    assert found.sentence in abstract(title)


@pytest.mark.parametrize(
    ("title", "claim"),
    [
        (THRESHOLDNET, "On CIFAR10, HarDNet runs twice as fast as DenseNet."),  # the abstract's order
        (THRESHOLDNET, "DenseNet is twice as slow as HarDNet."),  # the opposite word: the same statement
        (THRESHOLDNET, "ThresholdNet is as fast as DenseNet."),  # an equality compares no direction
        (AUDIO, "CNN representations are outperformed by the representations extracted by audio transformers."),
        (AUDIO, "Audio transformer representations outperform CNN representations."),
    ],
)
def test_the_stated_order_a_passive_an_equality_or_the_opposite_word_is_not_caught(title, claim):
    assert swapped_roles(claim, abstract(title)) is None


def test_a_passive_verb_turns_the_order_around_and_a_margin_or_a_comparative_does_not():
    stated = ["SiT outperformed existing methods by a large margin.", "SiT is faster than DeiT."]
    assert swapped_roles("Existing methods outperformed SiT by a large margin.", stated) is not None
    assert swapped_roles("Existing methods are outperformed by SiT.", stated) is None
    assert swapped_roles("Existing methods are consistently outperformed by SiT.", stated) is None
    assert swapped_roles("SiT is outperformed by existing methods.", stated) is not None
    assert swapped_roles("Existing methods are outperforming SiT.", stated) is not None  # not a passive
    assert swapped_roles("DeiT is faster than SiT.", stated) is not None
    assert swapped_roles("SiT is faster than DeiT.", stated) is None


@pytest.mark.parametrize(
    ("claim", "swapped"),
    [
        ("ResNet is better than DenseNet on ImageNet.", True),
        ("ResNet is superior to DenseNet on ImageNet.", True),
        ("ResNet has a clear advantage over DenseNet on ImageNet.", True),
        ("DenseNet lags behind ResNet on ImageNet.", True),
        ("DenseNet is inferior to ResNet on ImageNet.", True),  # the opposite word, same order
        ("DenseNet surpasses ResNet on ImageNet.", False),
        ("ResNet underperforms DenseNet on ImageNet.", False),
        ("ResNet is worse than DenseNet on ImageNet.", False),
    ],
)
def test_words_for_beating_are_one_relation_and_their_opposites_turn_it_around(claim, swapped):
    stated = ["DenseNet outperforms ResNet on ImageNet."]
    assert (swapped_roles(claim, stated) is not None) is swapped


@pytest.mark.parametrize(
    ("claim", "swapped"),
    [
        ("ResNet achieves higher accuracy than DenseNet on ImageNet.", True),
        ("DenseNet has lower accuracy than ResNet on ImageNet.", True),  # the opposite word, same order
        ("ResNet has lower accuracy than DenseNet on ImageNet.", False),  # the opposite word and order
        ("DenseNet has lower error than ResNet on ImageNet.", False),  # another attribute: not compared
        ("ResNet is more accurate than DenseNet on ImageNet.", False),  # another relation
    ],
)
def test_a_comparative_compares_its_attribute_and_the_opposite_word_turns_it_around(claim, swapped):
    stated = ["DenseNet achieves higher accuracy than ResNet on ImageNet."]
    assert (swapped_roles(claim, stated) is not None) is swapped


def test_the_papers_own_work_is_named_by_its_title():
    stated = ["We show that our method outperforms GPT-4 on complex reasoning benchmarks."]
    title = "Orca: Progressive Learning from Complex Explanation Traces"
    assert swapped_roles("GPT-4 outperforms Orca on complex reasoning benchmarks.", stated, title) is not None
    assert swapped_roles("Orca outperforms GPT-4 on complex reasoning benchmarks.", stated, title) is None
    assert swapped_roles("GPT-4 outperforms Orca on complex reasoning benchmarks.", stated) is None  # no title
    long_title = "Progressive Learning from Complex Explanation Traces of GPT-4"  # no short name before a colon
    assert swapped_roles("GPT-4 outperforms Orca on complex reasoning benchmarks.", stated, long_title) is None


def test_a_cause_and_its_effect_swapped_are_caught():
    stated = ["Label noise in the training set leads to overconfident predictions."]
    assert swapped_roles("Overconfident predictions lead to label noise in the training set.", stated)
    assert swapped_roles("Overconfident predictions are caused by label noise in the training set.", stated) is None
    assert swapped_roles("Label noise in the training set causes overconfident predictions.", stated) is None


NIN = "Network In Network"
EFFICIENTNET = "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks"
TRANSNEXT = "TransNeXt: Robust Foveal Visual Perception for Vision Transformers"
MCU = "Reduced Precision Floating-Point Optimization for Deep Neural Network On-Device Learning on MicroControllers"
BIAS = "Assessing Algorithmic Bias in Language-Based Depression Detection: A Comparison of DNN and LLM Approaches"
PRIORS = "Never Train from Scratch: Fair Comparison of Long-Sequence Models Requires Data-Driven Priors"
NEURI = "NeuRI: Diversifying DNN Generation via Inductive Rule Inference"
PANNS = "PANNs: Large-Scale Pretrained Audio Neural Networks for Audio Pattern Recognition"
PITCH = "Noise-Robust DSP-Assisted Neural Pitch Estimation with Very Low Complexity"
TRIPLET = "Deep metric learning using Triplet network"


@pytest.mark.parametrize(
    ("title", "claim", "swapped"),
    [
        # "Compared with X, Y ..." reads as "Y ... than X"; the abstract's "which" clause is about pooling.
        (NIN, "Compared with global average pooling, fully connected layers are less prone to overfitting.", True),
        (NIN, "Compared with fully connected layers, global average pooling is less prone to overfitting.", False),
        # "..., called EfficientNets, which achieve much better accuracy and efficiency than previous ConvNets."
        (EFFICIENTNET, "Previous ConvNets have an advantage over EfficientNets in accuracy and efficiency.", True),
        (EFFICIENTNET, "EfficientNets are superior to previous ConvNets in accuracy and efficiency.", False),
        # "TransNeXt-Tiny attains an ImageNet accuracy of 84.0%, surpassing ConvNeXt-B ...": a participle.
        (TRANSNEXT, "At 224^2, ConvNeXt-B surpasses TransNeXt-Tiny in ImageNet accuracy.", True),
        (TRANSNEXT, "At 224^2, ConvNeXt-B is surpassed by TransNeXt-Tiny in ImageNet accuracy.", False),
        # "Overall, our approach results more than two orders of magnitude faster than existing ODL ...".
        (MCU, "Existing ODL software frameworks for single-core MCUs are faster than the proposed approach.", True),
        (MCU, "The proposed approach is faster than existing ODL software frameworks for single-core MCUs.", False),
        # "LLMs also exhibit reduced gender bias compared to DNN-based embeddings, ...".
        (BIAS, "DNN-based embeddings show less gender bias than LLMs.", True),
        (BIAS, "DNN-based embeddings show more gender bias than LLMs.", False),
        # "... has led to architectures, such as state space models, that dramatically outperform Transformers".
        (PRIORS, "Transformers dramatically outperform architectures such as state space models.", True),
        (PRIORS, "State space models dramatically outperform Transformers on long sequences.", False),
        # "NeuRI improves branch coverage of TensorFlow and PyTorch by 24% and 15% over the state-of-the-art ...".
        (
            NEURI,
            "Model-level fuzzers improve branch coverage of TensorFlow and PyTorch by 24% over NeuRI.",
            True,
        ),
        (
            NEURI,
            "NeuRI improves branch coverage of TensorFlow and PyTorch by 24% over model-level fuzzers.",
            False,
        ),
        # "Our best PANN system achieves ... (mAP) of 0.439 on AudioSet tagging, outperforming the best previous
        # system of 0.392.": the participle's subject is before the parentheses.
        (PANNS, "On AudioSet tagging, the best previous system outperforms the best PANN system.", True),
        (PANNS, "On AudioSet tagging, the best previous system is outperformed by the best PANN system.", False),
        # "... our model learns a better representation than that of its immediate competitor, the Siamese
        # network.": without a name before a colon, the title's words name "our model".
        (TRIPLET, "Its immediate competitor learns a better representation than the triplet network.", True),
        (TRIPLET, "The triplet network learns a better representation than its immediate competitor.", False),
        # "Recently, pitch estimators based on deep neural networks (DNNs) have have been outperforming
        # well-established DSP-based techniques.": a short parenthesis does not end the subject's clause.
        (PITCH, "Well-established DSP-based techniques have recently been outperforming DNN pitch estimators.", True),
        (PITCH, "DNN-based pitch estimators have recently been outperforming well-established DSP techniques.", False),
    ],
)
def test_comparisons_across_clauses_and_of_the_papers_own_work_are_read_the_right_way_round(title, claim, swapped):
    assert (swapped_roles(claim, abstract(title), bundled(title).title) is not None) is swapped


def test_more_than_a_number_compares_nothing_and_more_of_something_does():
    stated = ["DenseNet needs more than 50 GPU hours to train ResNet."]
    assert swapped_roles("ResNet needs more than 50 GPU hours to train DenseNet.", stated) is None
    stated = ["DenseNet needs more GPU hours than ResNet."]
    assert swapped_roles("ResNet needs more GPU hours than DenseNet.", stated) is not None


def test_no_abstract_sentence_of_the_corpus_is_caught_against_its_own_abstract():
    """3,434 sentences: one that shares a pivot and words with another sentence of its abstract (a paper
    that outperforms the methods its background sentence says outperform others) is the known risk."""
    caught = []
    for paper in bundled_papers().values():
        sentences = split_sentences(paper.abstract)
        caught += [s for s in sentences if swapped_roles(s, sentences)]
    assert caught == []


def test_ranks_are_values():
    assert ranks_in("CascadeTabNet ranked first for table detection") == {"#1"}
    assert ranks_in("We achieved 3rd rank in ICDAR 2019") == {"#3"}
    assert ranks_in("won the first place in all three tracks; came in second place") == {"#1", "#2"}
    assert ranks_in("we are the first to study the first stage with top-1 accuracy") == set()  # no placings
    assert stated_values("It placed 2nd among 20 teams.") == {"#2", "2", "20"}
    assert ranks_in("the fourth largest dataset; the second-best model; first, best of all") == {"#4", "#2"}


MAVREC = "Multiview Aerial Visual Recognition (MAVREC): Can Multi-view Improve Aerial Visual Perception?"


def test_a_changed_superlative_rank_is_contradicted_without_the_judge(filters_only):
    """ "the second largest" where the abstract says "the fourth largest": the ordinal was a subject word
    of the copy rule ("Second, we ..."), so the sentence passed as a word-for-word copy (held-out claim
    h9-036). As a rank it is a value the number filter checks; the true rank is still a copy."""
    wrong = "MAVREC is the second largest among all drone-based datasets across all modalities and tasks [1]."
    [checked] = filters_only.verify(wrong, [_source(MAVREC)]).sentences
    assert checked.verdict == "contradicted" and "fourth largest" in (checked.evidence or "")
    [kept] = filters_only.verify(wrong.replace("second", "fourth"), [_source(MAVREC)]).sentences
    assert kept.supported and kept.citations == [1]


def _source(title: str) -> Source:
    return Source.from_paper(bundled(title), 1)


def test_a_comparison_is_asked_with_the_side_it_holds_for_first():
    """`comparison` gives the reading question (`rag.direction`) its options: the claim's winner first,
    whichever way round the claim says it."""
    assert comparison("B is slower than A.") == Comparison("is faster", "A", "B", mirrored=True)
    passive = "BERT is outperformed by the Gzip classifier on all five datasets."
    assert comparison(passive) == Comparison("performs better", "the Gzip classifier", "BERT", mirrored=True)
    fewer = "The model uses fewer parameters than BERT."
    assert comparison(fewer) == Comparison("uses more parameters", "BERT", "The model", mirrored=True)
    # h12-031: asked "which has more memory?", the reader took memory as capacity and read the reversal as true.
    memory = "In the memory measurements, the Java-based platforms used considerably less memory than FastPathology."
    assert comparison(memory) == Comparison("uses more memory", "FastPathology", "the Java-based platforms", True)
    took = "GraphSAGE took less time than PinSage."
    assert comparison(took) == Comparison("takes more time", "PinSage", "GraphSAGE", mirrored=True)
    assert comparison("The model has fewer parameters than BERT.") == Comparison(
        "has more parameters", "BERT", "The model", mirrored=True
    )
    # "used" before a side's name is an adjective, part of the name.
    assert comparison("It is faster than commonly used option pricing methods.") == Comparison(
        "is faster", "It", "commonly used option pricing methods"
    )
    robust = "SparK is more robust to the training dataset size than contrastive methods."
    assert comparison(robust) == Comparison(
        "is more robust to the training dataset size", "SparK", "contrastive methods"
    )
    assert comparison("Our method achieves higher accuracy than ResNet-50 on ImageNet.") == Comparison(
        "has the higher accuracy", "Our method", "ResNet-50"
    )
    assert comparison("The method works well on ImageNet.") is None
    assert comparison("It scores more than 70% on GLUE.") is None  # a quantity, not a comparison


def test_swapped_roles_and_wrong_ranks_are_contradicted_without_the_judge(filters_only):
    verifier = filters_only
    swapped = "In the CIFAR10 experiments, DenseNet runs twice as fast as HarDNet [1]."
    [checked] = verifier.verify(swapped, [_source(THRESHOLDNET)]).sentences
    assert checked.verdict == "contradicted" and "HarDNet is twice as fast as DenseNet" in (checked.evidence or "")
    first = "CascadeTabNet ranked first for table detection in the ICDAR 2019 post-competition results [1]."
    [checked] = verifier.verify(first, [_source(CASCADE)]).sentences
    assert checked.verdict == "contradicted" and "3rd rank" in (checked.evidence or "")
    # Without the rule (nor the reading question), the judge is asked (and has to notice the swap by itself).
    asked: list[str] = []

    class Recording(EntailmentJudge):
        def judge(self, claim: str, title: str, evidence: list[str]) -> Judgment:
            asked.append(claim)
            return Judgment(0.0, 1.0, 0.0)

    off = verifier.settings.model_copy(update={"role_order": False, "direction_question": False})
    recording = Recording(lambda: None)
    EntailmentVerifier(off, verifier.embedder, verifier.sentence_index, judge=recording).verify(
        swapped, [_source(THRESHOLDNET)]
    )
    assert asked == ["In the CIFAR10 experiments, DenseNet runs twice as fast as HarDNet."]


def test_the_similarity_verifier_does_not_support_swapped_roles(filters_only):
    """The embedding verifier (extractive backend, `--verifier embedding`) finds the swapped sentence as
    close as the stated one; `role_order` makes its support 0."""
    from rag.verification import EmbeddingVerifier

    settings = filters_only.settings
    on = EmbeddingVerifier(settings, filters_only.embedder, filters_only.sentence_index)
    off = EmbeddingVerifier(
        settings.model_copy(update={"role_order": False}), filters_only.embedder, filters_only.sentence_index
    )
    swapped = "In the CIFAR10 experiments, DenseNet runs twice as fast as HarDNet [1]."
    [kept] = off.verify(swapped, [_source(THRESHOLDNET)]).sentences
    [checked] = on.verify(swapped, [_source(THRESHOLDNET)]).sentences
    assert kept.supported and not checked.supported and checked.support == 0.0
    stated = "In the CIFAR10 experiments, HarDNet runs twice as fast as DenseNet [1]."
    assert on.verify(stated, [_source(THRESHOLDNET)]).sentences[0].supported


DYNN = "Dynamic Neural Network is All You Need: Understanding the Robustness of Dynamic Mechanisms in Neural Networks"


def test_a_copy_with_its_two_sides_swapped_is_contradicted_not_taken_for_a_copy(filters_only):
    """The abstract says "DyNNs can be used to generate adversarial samples more efficiently than SDNNs";
    the swapped sentence is its own words in another order, which the copy rule accepts."""
    from rag.copying import copied_from

    swapped = "SDNNs can be used to generate adversarial samples more efficiently than DyNNs."
    assert copied_from(swapped, DYNN, abstract(DYNN)) is not None
    [checked] = filters_only.verify(swapped.replace(".", " [1]."), [_source(DYNN)]).sentences
    assert checked.verdict == "contradicted" and "DyNNs can be used" in (checked.evidence or "")
    stated = "DyNNs can be used to generate adversarial samples more efficiently than SDNNs [1]."
    [copy] = filters_only.verify(stated, [_source(DYNN)]).sentences
    assert copy.verdict == "supported" and copy.support == 1.0


def test_half_as_fast_is_not_read_as_faster():
    stated = ["HarDNet is twice as fast as DenseNet."]
    assert swapped_roles("DenseNet is twice as fast as HarDNet.", stated) is not None
    assert swapped_roles("DenseNet is half as fast as HarDNet.", stated) is None  # true, and not a swap


RESNEXT = "Aggregated Residual Transformations for Deep Neural Networks"


@pytest.mark.parametrize(
    ("title", "claim"),
    [
        (THRESHOLDNET, "DenseNet is twice as slow as HarDNet."),
        (THRESHOLDNET, "HarDNet has a 10% higher error rate than ThresholdNet."),
        (AUDIO, "CNN representations are outperformed by the representations extracted by audio transformers."),
        (RESNEXT, "When capacity is increased, going deeper or wider is less effective than increasing cardinality."),
        (
            NIN,
            "Traditional fully connected layers are more prone to overfitting than global average pooling over "
            "feature maps.",
        ),
    ],
)
def test_a_relation_stated_from_the_other_side_is_found(title, claim):
    """The same relation, the same things on the same sides, one statement inverse ("slower", "less",
    the passive): what the 1.5B judge reads as a reversal."""
    assert restated_relation(claim, abstract(title), bundled(title).title) in abstract(title)


@pytest.mark.parametrize(
    ("title", "claim"),
    [
        (THRESHOLDNET, "HarDNet runs twice as fast as DenseNet."),  # the abstract's own side: the judge decides
        (THRESHOLDNET, "DenseNet is twice as fast as HarDNet."),  # swapped
        (THRESHOLDNET, "HarDNet is twice as slow as DenseNet."),  # the opposite word: swapped too
        (THRESHOLDNET, "DenseNet is not slower than HarDNet."),  # a negation the abstract does not make
        (THRESHOLDNET, "VGG is twice as slow as HarDNet."),  # something else on one side
        (THRESHOLDNET, "HarDNet has 10% higher accuracy than ThresholdNet."),  # another attribute
        (RESNEXT, "Going deeper or wider is less effective than increasing the learning rate."),
    ],
)
def test_the_same_side_a_swap_a_negation_another_thing_or_attribute_is_not_a_restatement(title, claim):
    assert restated_relation(claim, abstract(title), bundled(title).title) is None


def test_more_or_less_of_an_adjective_a_fraction_and_it_are_read_as_comparisons():
    """ "more expensive than" is "cheaper than" from the other side, "half as fast as" is "slower than", and
    a side that is only "It" speaks of the paper's method."""
    cheaper = ["Our proposed methods are significantly cheaper than classical methods."]
    assert swapped_roles("The proposed methods are more expensive than classical methods.", cheaper)
    assert restated_relation("Classical methods are more expensive than the proposed methods.", cheaper)
    assert restated_relation("Classical methods are more costly than the proposed methods.", cheaper)
    faster = ["HarDNet is twice as fast as DenseNet."]
    assert restated_relation("DenseNet is half as fast as HarDNet.", faster)
    assert swapped_roles("HarDNet is half as fast as DenseNet.", faster)
    it, title = ["It outperforms BERT on all five datasets."], "Gzip: a classifier"
    assert restated_relation("BERT is outperformed by the Gzip classifier on all five datasets.", it, title)
    assert swapped_roles("BERT outperforms the Gzip classifier on all five datasets.", it, title)
    assert restated_relation("BERT is outperformed by VGG on all five datasets.", it, title) is None


@pytest.mark.slow
def test_the_real_judge_reads_a_comparison_from_the_other_side_as_a_reversal_and_the_rule_corrects_it(
    local_model_url,
):
    """The embedded 1.5B judge calls this paraphrase contradicted (P(supported) 0.16 on the comparison
    set's tune half); with `role_order` the sentence is supported by the abstract sentence it restates."""
    from rag import verify
    from rag.settings import Settings

    claim = "When capacity is increased, going deeper or wider is less effective than increasing cardinality [1]."
    paper = bundled(RESNEXT)
    [checked] = verify(claim, [paper], settings=Settings.load(overrides={"generation.backend": "local"}))
    assert checked.supported and checked.verdict == "supported" and checked.citations == [1]
    assert "increasing cardinality is more effective than going deeper or wider" in (checked.evidence or "")
    alone = {"generation.backend": "local", "verification.role_order": False, "verification.direction_question": False}
    judge_alone = Settings.load(overrides=alone)
    [judged] = verify(claim, [paper], settings=judge_alone)
    assert not judged.supported and judged.verdict == "contradicted"
    reversed_claim = "Going deeper or wider is more effective than increasing cardinality [1]."
    [swapped] = verify(reversed_claim, [paper], settings=Settings.load(overrides={"generation.backend": "local"}))
    assert not swapped.supported and swapped.verdict == "contradicted"
