"""A number the abstract gives for something else is caught (`rag.attribution`), and only then.

The swapped claims below pass the number filter (every number is in the abstract) and the old
similarity verifier; the correctly attributed ones must still pass, and numbers that cannot be bound
(a list with no names, "respectively" with no list) decide nothing. A value that an abstract pairs
"respectively" with one name, given to another name of the list, is caught even in a near copy.
"""

from __future__ import annotations

import pytest

from evals.verifier_eval import bundled_papers
from rag.answer_types import Source
from rag.attribution import (
    bound_words,
    misassigned_respectively,
    misattributed_number,
    respective_pairs,
    value_for_another_name,
)
from rag.paper import Paper, normalize_title
from rag.sentences import SentenceIndex
from rag.text import counts_in, split_sentences, stated_values, values_in
from rag.verification import EmbeddingVerifier

TTM = (
    "Tiny Time Mixers (TTMs): Fast Pre-trained Models for Enhanced Zero/Few-Shot Forecasting of "
    "Multivariate Time Series"
)
PMOD = "p-MoD: Building Mixture-of-Depths MLLMs via Progressive Ratio Decay"


def bundled(title: str) -> Paper:
    return bundled_papers()[normalize_title(title)]


def test_numbers_are_bound_to_the_words_next_to_them():
    bound = bound_words("A 14X cut in learnable parameters and substantial reductions in inference time (54X).")
    assert {"learnabl", "paramet"} <= bound["14"] and {"infer", "time"} <= bound["54"]
    assert not bound["14"] & bound["54"]
    assert "resnet-18" in bound_words("ResNet-18 reaches 71.2% accuracy.")["71.2"]  # "18" is a name here


@pytest.mark.parametrize(
    ("title", "claim", "value", "instead"),
    [
        (TTM, "Compared with LLM-based time series methods, TTM cuts learnable parameters by 54X.", "54", "14"),
        (PMOD, "p-MoD needs 53.8% of the baselines' TFLOPs.", "53.8", "55.6"),
    ],
)
def test_a_number_moved_to_another_setting_of_the_same_sentence_is_caught(title, claim, value, instead):
    paper = bundled(title)
    found = misattributed_number(claim, split_sentences(paper.abstract), paper.title)
    assert found is not None and (found.value, found.instead) == (value, instead)
    assert value in found.sentence and instead in found.sentence


@pytest.mark.parametrize(
    ("title", "claim"),
    [
        (TTM, "Compared with LLM-based time series methods, TTM cuts the number of learnable parameters by 14X."),
        (TTM, "TTM makes inference 54X cheaper than LLM-based time series methods."),
        (PMOD, "p-MoD needs only 55.6% of the baselines' TFLOPs and 53.8% of their KV cache storage."),
        (PMOD, "During inference p-MoD keeps 53.8% of the KV cache storage."),
    ],
)
def test_a_number_given_for_what_the_claim_says_is_not_caught(title, claim):
    paper = bundled(title)
    assert misattributed_number(claim, split_sentences(paper.abstract), paper.title) is None


SATELLITE = (
    "For example we find that these steps give +32.28 to overall accuracy on the So2Sat random split dataset "
    "and +11.16 on the EuroSAT dataset."
)


@pytest.mark.parametrize(
    ("claim", "caught"),
    [
        ("Following the preprocessing steps adds +32.28 to overall accuracy on EuroSAT.", True),
        ("On EuroSAT the steps add +32.28 to overall accuracy.", True),
        ("Following the preprocessing steps adds +32.28 to overall accuracy on So2Sat.", False),
        ("Following the preprocessing steps adds +11.16 to overall accuracy on EuroSAT.", False),
        ("The steps add +32.28 to overall accuracy on So2Sat and +11.16 on EuroSAT.", False),
        ("The steps add +32.28 to overall accuracy.", False),  # names nothing: the words decide
    ],
)
def test_a_number_put_next_to_the_name_of_another_value_is_caught(claim, caught):
    found = misattributed_number(claim, [SATELLITE])
    assert (found is not None) is caught
    if caught:
        assert (found.value, found.instead) == ("32.28", "11.16")


def test_numbers_that_cannot_be_bound_decide_nothing():
    listed = ["We improve accuracy by 5%, 3% and 2% on CIFAR-10, SVHN and ImageNet."]
    assert misattributed_number("We improve accuracy on ImageNet by 5%.", listed) is None
    respectively = ["Accuracy rises by 5% on SVHN and by 2% on ImageNet, respectively for small models."]
    assert misattributed_number("Accuracy rises by 2% on SVHN.", respectively) is None
    assert misattributed_number("Accuracy rises by 2% on SVHN.", ["Accuracy rises on SVHN."]) is None
    # 0.70 dB shares its only word ("dB") with 15.4: "performance" is the range's, not 15.4's alone.
    jitter = ["A 3% harmonic jitter degrades performance of Conv-TasNet from 15.4 dB to 0.70 dB."]
    drop = "Conv-TasNet's separation performance drops to 0.70 dB under a 3% jitter."
    assert misattributed_number(drop, jitter) is None
    # The rule still decides a value with a word of its own.
    speed = ["Jitter of 3 dB degrades speed, accuracy drops 15.4 dB."]
    assert misattributed_number("The jitter degrades performance by 15.4 dB.", speed) is not None


DIALOGUE_ACTS = "Dialogue Act Sequence Labeling using Hierarchical encoder with CRF"
GAIT = (
    "The model demonstrated accuracies of 95.7%, 94.44%, 87.71%, and 86.6% on CASIA-B, SZU RGB-D, OU-MVLP, "
    "and Gait3D datasets respectively."
)


def test_respectively_pairs_values_with_names_in_order():
    [pairing] = respective_pairs(GAIT)
    assert [(set(values), set(name)) for values, name in pairing] == [
        ({"95.7"}, {"casiab"}),
        ({"94.44"}, {"szu", "rgbd"}),
        ({"87.71"}, {"oumvlp"}),
        ({"86.6"}, {"gait3d"}),
    ]
    [pairs] = respective_pairs(
        "It improves from 75.2% to 79% and 79.1% to 83% for MobileNetV3 and ResNet50-D, respectively."
    )
    assert [set(values) for values, _ in pairs] == [{"75.2", "79"}, {"79.1", "83"}]
    assert respective_pairs(GAIT.replace(" respectively", "")) == []


INSTA = (
    "The proposed INSTA-BNN outperforms the baseline by 2.5% and 2.3% on the ImageNet classification task with "
    "comparable computing cost, achieving 68.0% and 71.7% top-1 accuracy on ResNet-18 and MobileNetV1 based "
    "models, respectively."
)


def test_every_list_of_values_as_long_as_the_names_pairs_with_them():
    """f11a-011: only the first list (2.5%, 2.3%) was paired, so 71.7% said of ResNet-18 went uncaught."""
    [pairing] = respective_pairs(INSTA)
    assert [(set(values), set(name)) for values, name in pairing] == [
        ({"2.5", "68"}, {"resnet18"}),
        ({"2.3", "71.7"}, {"mobilenetv1"}),
    ]
    assert misassigned_respectively("It reaches 71.7% top-1 accuracy on ResNet-18 based models.", [INSTA])
    assert misassigned_respectively("It reaches 71.7% top-1 accuracy with a MobileNetV1 based model.", [INSTA]) is None


@pytest.mark.parametrize(
    ("claim", "caught"),
    [
        ("On OU-MVLP the gait recognition model achieves 94.44% accuracy.", True),
        ("The model reaches 95.7% on SZU RGB-D.", True),
        ("On SZU RGB-D the gait recognition model achieves 94.44% accuracy.", False),
        ("It scores 95.7% on CASIA-B and 86.6% on Gait3D.", False),
        ("Accuracies of 87.71% and 86.6% were reached on OU-MVLP and Gait3D, respectively.", False),
        ("Accuracies of 87.71% and 86.6% were reached on Gait3D and OU-MVLP, respectively.", True),
        (GAIT, False),
    ],
)
def test_a_value_given_to_another_name_of_a_respectively_list_is_caught(claim, caught):
    assert (misassigned_respectively(claim, [GAIT]) is not None) is caught


def test_a_respectively_claim_whose_lists_cannot_be_read_is_left_to_the_judge():
    """h11-019: the claim pairs by order ("... CIFAR-10 and Vggface2, Boundary Unlearning ... 17x and 19x ...,
    respectively"); its name list reads as three items, and 17x was given to the nearer Vggface2."""
    unlearning = (
        "We extensively evaluate Boundary Unlearning on CIFAR-10 and Vggface2 datasets, and the results show that "
        "Boundary Unlearning can effectively forget the forgetting class on image classification and face "
        "recognition tasks, with an expected speed-up of 17times and 19times, respectively, compared with "
        "retraining from the scratch."
    )
    claim = (
        "Evaluated on CIFAR-10 and Vggface2, Boundary Unlearning forgets the target class with expected speed-ups "
        "of 17x and 19x over retraining from scratch, respectively."
    )
    assert misassigned_respectively(claim, [unlearning]) is None
    # without "respectively" the nearest name still decides
    assert misassigned_respectively("On Vggface2 it forgets the class with a 17x speed-up.", [unlearning])


def test_a_near_copy_with_the_respectively_values_swapped_is_contradicted_without_the_judge(filters_only):
    """The swapped sentence copies the abstract's words, so the copy rule alone called it supported."""
    verifier = filters_only
    swapped = (
        "The method improves over the state of the art by 4.1% absolute on Switchboard and by 2.2% on "
        "Meeting Recorder Dialogue Act [1]."
    )
    [checked] = verifier.verify(swapped, [_source(DIALOGUE_ACTS)]).sentences
    assert checked.verdict == "contradicted" and "respectively" in (checked.evidence or "")
    right = swapped.replace("4.1%", "X").replace("2.2%", "4.1%").replace("X", "2.2%")
    [kept] = verifier.verify(right, [_source(DIALOGUE_ACTS)]).sentences
    assert kept.supported and kept.citations == [1]


def _source(title: str) -> Source:
    return Source.from_paper(bundled(title), 1)


def test_the_verifiers_reject_the_swap_the_old_checks_accepted(filters_only):
    """Every number of the swapped sentence is in the abstract, and it is nearly a copy of the abstract's
    words: the old embedding verifier accepted it. Now both verifiers reject it, and keep the original."""
    settings, embedder = filters_only.settings, filters_only.embedder
    swapped = "TTM gives a 54X cut in learnable parameters compared with LLM-TS methods [1]."
    original = "TTM gives a 14X cut in learnable parameters compared with LLM-TS methods [1]."
    old = settings.model_copy(update={"number_binding": False})
    embedding_old = EmbeddingVerifier(old, embedder, SentenceIndex(embedder))
    assert embedding_old.verify(swapped, [_source(TTM)]).sentences[0].supported  # what used to happen
    embedding = EmbeddingVerifier(settings, embedder, SentenceIndex(embedder))
    assert not embedding.verify(swapped, [_source(TTM)]).sentences[0].supported
    assert embedding.verify(original, [_source(TTM)]).sentences[0].supported
    [checked] = filters_only.verify(swapped, [_source(TTM)]).sentences
    assert checked.verdict == "contradicted" and "14X cut in learnable parameters" in (checked.evidence or "")


FREQBACK = "Revisiting Backdoor Attacks on Time Series Classification in the Frequency Domain"


def test_spelled_counts_are_values_and_counts_that_refer_back_are_not_stated():
    assert counts_in("across five models and eight datasets") == {"5", "8"}
    assert stated_values("The two methods agree; both of the three baselines fail.") == set()
    assert values_in("The two methods agree.") == {"2"}
    assert stated_values("It wins four of 6 tasks; someone said one thing.") == {"4", "6"}
    assert stated_values("It proposes a set of eight criteria.") == {"8"}  # h9-043: "ten criteria" in the abstract
    assert counts_in("a twelve-layer model, seventeen, eighteen") == set()  # part of a word, or not counted


def test_a_spelled_count_the_source_does_not_give_is_contradicted_without_the_judge(filters_only):
    """ "twelve datasets" where the abstract says eight: every digit of the claim is in the abstract (none),
    so the number filter let it through to the judge. Both verifiers now reject it; the true counts,
    spelled or in digits, still pass."""
    entailment = filters_only
    wrong = "FreqBack exhibits substantial performance across five models and twelve datasets [1]."
    [checked] = entailment.verify(wrong, [_source(FREQBACK)]).sentences
    assert checked.verdict == "contradicted" and "eight datasets" in (checked.evidence or "")
    embedding = EmbeddingVerifier(entailment.settings, entailment.embedder, entailment.sentence_index)
    assert not embedding.verify(wrong, [_source(FREQBACK)]).sentences[0].supported
    right = wrong.replace("twelve", "eight")
    [kept] = entailment.verify(right, [_source(FREQBACK)]).sentences
    assert kept.supported and kept.citations == [1]  # a copy: decided without the judge
    for counts in (right, right.replace("five", "5").replace("eight", "8")):
        assert embedding.verify(counts, [_source(FREQBACK)]).sentences[0].supported


GHN = "Parameter Prediction for Unseen Deep Architectures"
SELFIE = "Selfie: Self-supervised Pretraining for Image Embedding"


def test_a_value_given_for_another_dataset_of_the_abstract_is_contradicted_without_the_judge(filters_only):
    """The abstract gives 50% for ImageNet ("On ImageNet, top-5 accuracy of some of our networks approaches
    50%") and names CIFAR-10 in another sentence; the local model wrote the value next to CIFAR-10 and the
    judge accepted it (f9a-012). The sentence the value comes from lacks the name the claim puts next to it
    and names one of its own: contradicted, by both verifiers."""
    wrong = "Top-5 accuracy of some of the predicted networks approaches 50% on CIFAR-10 [1]."
    [checked] = filters_only.verify(wrong, [_source(GHN)]).sentences
    assert checked.verdict == "contradicted" and "On ImageNet" in (checked.evidence or "")
    embedding = EmbeddingVerifier(filters_only.settings, filters_only.embedder, filters_only.sentence_index)
    assert not embedding.verify(wrong, [_source(GHN)]).sentences[0].supported
    abstract = split_sentences(_source(GHN).abstract)
    assert value_for_another_name(wrong.replace("CIFAR-10", "ImageNet"), abstract, GHN) is None
    # A title word is the subject, not a setting: "Image Embedding" does not spell ImageNet away.
    selfie = split_sentences(_source(SELFIE).abstract)
    found = value_for_another_name(
        "Selfie improves ResNet-50 accuracy on CIFAR-10 from 35.6% to 46.7%.", selfie, SELFIE
    )
    assert found is not None and found.instead == "imagenet"
    assert value_for_another_name("Selfie improves ResNet-50 accuracy from 35.6% to 46.7%.", selfie, SELFIE) is None


MCU_TRAINING = (
    "Reduced Precision Floating-Point Optimization for Deep Neural Network On-Device Learning on MicroControllers"
)


def test_a_hyphenated_name_is_spelled_by_the_parts_of_the_stating_sentence():
    """f14a-021 (a false abstention): "SIMD-vectorized FP16 kernels ... 1.72times faster" where the abstract
    reads "SIMD-optimized FP16 primitives result up to 1.72times faster" - SIMD is there, hyphenated to
    another lower-case word, so the value is not given for another name. A name the sentence really lacks
    still is."""
    abstract = split_sentences(_source(MCU_TRAINING).abstract)
    right = "The SIMD-vectorized FP16 kernels result up to 1.72times faster than the FP32 baseline on an 8+1-core MCU."
    assert value_for_another_name(right, abstract, MCU_TRAINING) is None
    wrong = "The SIMD-vectorized FP16 kernels of a ResNet8 result up to 1.72times faster than the FP32 baseline."
    found = value_for_another_name(wrong, abstract, MCU_TRAINING)
    assert found is not None and found.value == "1.72"
    # Only lower-case words hyphenated to a name fall away: DFN-2B is not spelled by "DFN-5B" and "LAION-2B".
    dfn = split_sentences(_source("Data Filtering Networks").abstract)
    said_of_2b = "A ViT-H trained on DFN-2B achieves 83.0% zero-shot transfer accuracy on ImageNet."
    assert value_for_another_name(said_of_2b, dfn, "Data Filtering Networks") is not None
    assert value_for_another_name(said_of_2b.replace("2B", "5B"), dfn, "Data Filtering Networks") is None


def test_a_value_given_to_a_hyphenated_name_of_the_respectively_list_is_caught():
    """Seen in the chat (twenty-fifth session): "68.0% ... with a MobileNetV1-based model" was shown as
    supported, though the abstract gives 68.0% to ResNet-18 "respectively"; "MobileNetV1-based" was read as
    one word that names nothing of the list."""
    paper = bundled("INSTA-BNN: Binary Neural Network with INSTAnce-aware Threshold")
    abstract = split_sentences(paper.abstract)
    wrong = "INSTA-BNN reaches 68.0% top-1 ImageNet accuracy with a MobileNetV1-based model."
    found = misassigned_respectively(wrong, abstract)
    assert found is not None and found.value == "68" and "respectively" in found.sentence
    assert misassigned_respectively(wrong.replace("68.0%", "71.7%"), abstract) is None
