"""Quoting the evidence that states a rejected sentence's facts, instead of abstaining (`rag.quoting`).

The cases are drafts the embedded 1.5B model wrote (recorded in `evals/reports/eighteenth-local/`): two
that found the right fact and worded it so badly that the judge rejected them, and invented answers to
questions no abstract answers, which must still abstain.
"""

from __future__ import annotations

import pytest

from evals.verifier_eval import bundled_papers
from rag import verify
from rag.answer_types import Source
from rag.paper import normalize_title
from rag.pipeline import QUOTED_NOTICE, RELATED_ABSTENTION_TEXT
from rag.quoting import quoted_evidence
from rag.settings import Settings
from rag.text import ends_mid_clause, split_sentences
from tests.fault_server import ask_through

VICTIMS = "Can Adversarial Examples Be Parsed to Reveal Victim Model Information?"
VICTIMS_QUESTION = "how many victim models were the adversarial attacks generated from in the model parsing dataset?"
VICTIMS_ECHO = "135 victim models were the adversarial attacks generated from in the model parsing dataset."
DEBLUR = "Multi-Outputs Is All You Need For Deblur"
DEBLUR_QUESTION = "Which current state-of-the-art deblurring model did the multi-head output approach get plugged into?"
KEYBOARD = "Neural Networks for Text Correction and Completion in Keyboard Decoding"
KEYBOARD_QUESTION = (
    "What is the per-keystroke inference latency on a smartphone of the neural keyboard decoder for text "
    "correction and completion?"
)
TRANSNEXT = "TransNeXt: Robust Foveal Visual Perception for Vision Transformers"


def whole_abstract(title: str, n: int = 1) -> Source:
    """The paper as a source whose evidence is every sentence of its abstract (the hardest case: every
    sentence is a candidate quote)."""
    paper = bundled_papers()[normalize_title(title)]
    return Source.from_paper(paper, n, evidence=split_sentences(paper.abstract))


def test_a_badly_worded_right_number_is_quoted_from_the_sentence_that_states_it():
    [(n, quote)] = quoted_evidence([VICTIMS_ECHO], [whole_abstract(VICTIMS)], VICTIMS_QUESTION)
    assert n == 1 and "generated from 135 victim models" in quote


def test_a_reversed_relation_is_quoted_from_the_sentence_naming_the_model():
    rejected = "The current state-of-the-art deblurring model NAFNet was plugged into the multi-head output approach."
    [(_, quote)] = quoted_evidence([rejected], [whole_abstract(DEBLUR)], DEBLUR_QUESTION)
    assert "including the current state-of-the-art NAFNet" in quote


def test_a_value_the_evidence_gives_for_something_else_is_not_quoted():
    # The abstract's 1.6% is a character error rate; the draft gave it as a latency.
    rejected = (
        "The per-keystroke inference latency on a smartphone of the neural keyboard decoder for text "
        "correction and completion is 1.6%."
    )
    assert "1.6%" in bundled_papers()[normalize_title(KEYBOARD)].abstract
    assert quoted_evidence([rejected], [whole_abstract(KEYBOARD)], KEYBOARD_QUESTION) == []


def test_a_name_the_evidence_never_spells_is_not_quoted():
    # 84.0% is TransNeXt-Tiny's accuracy; the question asked for TransNeXt-Small's.
    rejected = "TransNeXt-Small attains an ImageNet accuracy of 84.0% at a resolution of 224^2."
    question = "What top-1 accuracy does TransNeXt-Small reach on ImageNet at 224 resolution?"
    assert quoted_evidence([rejected], [whole_abstract(TRANSNEXT)], question) == []


DFN = "Data Filtering Networks"


def test_a_value_is_not_quoted_from_a_sentence_giving_it_for_another_name_of_the_question():
    """f14a-002, a near-miss question: 83.0% is a ViT-H's accuracy when trained on DFN-5B; the question asks
    about the released DFN-2B. The evidence sentence spells "DFN" (in DFN-5B) and "2B" (in LAION-2B), but
    not DFN-2B."""
    question = "What zero-shot ImageNet accuracy does a ViT-H get when trained on the released DFN-2B dataset?"
    rejected = "A ViT-H trained on the DFN-2B dataset achieves 83.0% zero-shot transfer accuracy on ImageNet."
    assert quoted_evidence([rejected], [whole_abstract(DFN)], question) == []
    # Asked about the dataset the sentence gives the value for, the same fact is quoted.
    asked = question.replace("the released DFN-2B", "DFN-5B")
    [(_, quote)] = quoted_evidence([rejected.replace("DFN-2B", "DFN-5B")], [whole_abstract(DFN)], asked)
    assert "83.0%" in quote and "DFN-5B" in quote


def test_an_echo_that_adds_nothing_but_title_words_is_not_quoted():
    question = "Which benchmark was it evaluated on for victim model parsing?"
    assert quoted_evidence(["It was evaluated on victim model parsing."], [whole_abstract(VICTIMS)], question) == []


def test_words_of_the_question_in_any_wording_count_as_asked_not_as_facts():
    rejected = "The model parsing dataset was generated from 135 victim models."
    follow_up = "How many victim models was it generated from?"
    standalone = "How many victim models was the model parsing dataset generated from?"
    assert quoted_evidence([rejected], [whole_abstract(VICTIMS)], f"{follow_up} {standalone}")
    # Without the rewrite, "model parsing dataset" counts as something the draft added, and the sentence
    # stating 135 victim models does not say it.
    assert quoted_evidence([rejected], [whole_abstract(VICTIMS)], follow_up) == []


@pytest.mark.slow
def test_the_real_judge_rejects_the_recorded_echo_and_its_fact_is_quoted(bundled_index, local_model_url):
    """The real pieces the pipeline uses after generation: the evidence retrieved for the question, the
    embedded model judging the echo the same model wrote for it (f4-024), then the quote. The fault-server
    tests below stand in only for the draft, which the model does not write the same way every run."""
    from rag.pipeline import Pipeline

    pipeline = Pipeline(Settings.load(overrides={"generation.backend": "local", "index.dir": str(bundled_index)}))
    sources = pipeline.gather_evidence(VICTIMS_QUESTION, VICTIMS_QUESTION).answer_sources
    [judged] = pipeline.verifier.verify(f"{VICTIMS_ECHO.rstrip('.')} [1].", sources).sentences
    assert not judged.supported  # what the old code then abstained on
    [quote] = pipeline._quoted_instead([judged], sources, VICTIMS_QUESTION, VICTIMS_QUESTION)
    assert quote.supported and "135 victim models" in quote.text
    assert sources[quote.citations[0] - 1].title == VICTIMS


def _ask_with_rejecting_judge(question: str, reply: str, bundled_index, monkeypatch, **settings: object):
    """`ask` through an OpenAI-compatible endpoint that answers `reply` and calls every judged sentence
    contradicted (what the local judge did to these drafts)."""
    return ask_through("reject", reply, question, bundled_index, monkeypatch, **settings)


def test_an_answer_whose_every_sentence_is_rejected_quotes_the_evidence_stating_its_fact(bundled_index, monkeypatch):
    answer = _ask_with_rejecting_judge(VICTIMS_QUESTION, f"{VICTIMS_ECHO.rstrip('.')} [1].", bundled_index, monkeypatch)
    assert not answer.abstained
    assert answer.removed and answer.removed[0].text == VICTIMS_ECHO
    assert answer.notice and QUOTED_NOTICE in answer.notice
    [sentence] = answer.sentences
    assert "135 victim models" in sentence.text and sentence.supported and sentence.verdict == "supported"
    assert answer.sources[sentence.citations[0] - 1].title == VICTIMS
    assert sentence.text in answer.sources[sentence.citations[0] - 1].abstract


def test_with_quoting_off_the_same_answer_abstains(bundled_index, monkeypatch):
    reply = f"{VICTIMS_ECHO.rstrip('.')} [1]."
    answer = _ask_with_rejecting_judge(
        VICTIMS_QUESTION, reply, bundled_index, monkeypatch, **{"verification.quote_rejected_facts": False}
    )
    assert answer.abstained and answer.answer == RELATED_ABSTENTION_TEXT


def test_a_rejected_restatement_of_the_question_is_not_quoted(bundled_index, monkeypatch):
    """f13a-024 (a near-miss: the abstract never gives the modulus): the model echoed the question, the judge
    rejected it, and quoting showed the abstract sentence naming the modular addition teacher."""
    question = "What modulus is used for the modular-addition teacher in the adaptive-kernel analysis of grokking?"
    reply = "Modular addition teacher is used for the modular-addition teacher in the adaptive-kernel analysis [1]."
    answer = _ask_with_rejecting_judge(question, reply, bundled_index, monkeypatch)
    assert answer.abstained and answer.sentences == []
    assert [s.text for s in answer.removed] == [reply.replace(" [1]", "")]


@pytest.mark.parametrize(
    ("question", "reply"),
    [
        (KEYBOARD_QUESTION, "The per-keystroke latency of the neural keyboard decoder on a smartphone is 1.6% [1]."),
        ("How many GPU hours did training the victim model parser take?", "It took 135 GPU hours [1]."),
    ],
    ids=["value-of-something-else", "invented-fact"],
)
def test_an_invented_answer_still_abstains(question, reply, bundled_index, monkeypatch):
    answer = _ask_with_rejecting_judge(question, reply, bundled_index, monkeypatch)
    assert answer.abstained and answer.sentences == []


@pytest.mark.parametrize(
    ("sentence", "cut_short"),
    [
        ("The authors of the paper showing that training follows the Neural Tangent Kernel are.", True),
        ("The datasets it was evaluated on include CIFAR-10 and.", True),
        ("The best-performing variants are those such as.", True),
        ("The tree keeps the accuracy of the network exactly as is.", False),  # a copula after "as"
        ("Features are compressed regardless of what candidate ads are.", False),  # after a wh-word
        ("CIFAR10-DVS and DVS128 Gesture were the datasets it was tested on.", False),  # a stranded preposition
        ("ViT-Huge is divided into 16 modules.", False),
        ("The SAT accelerator was evaluated on.", True),  # a preposition with no object (dev-048)
        ("Two collections of autophagy-related abstracts from PubMed were run on.", True),  # f6-007
        ("The learnt models generalize beyond the maximum lengths they were trained on.", False),  # relative
        ("It offers a search experience that is easier to find music to soundtrack videos with.", False),
        ("Training on just two MRI volumes takes only 4% of the data the benchmark was trained on.", False),
    ],
)
def test_a_sentence_that_stops_before_its_complement_is_cut_short(sentence, cut_short):
    assert ends_mid_clause(sentence) is cut_short


def test_a_sentence_cut_short_is_never_supported_and_no_abstract_sentence_is_one():
    """The local model answered "Who are the authors of ...?" with "The authors of ... are [1].", and the
    judge accepted it (f5-023); no sentence of the 400 abstracts is cut short by this rule."""
    ntk = bundled_papers()[normalize_title("Neural Tangent Kernel: Convergence and Generalization in Neural Networks")]
    echo = (
        "The authors of the paper showing that gradient-descent training of an infinitely wide network follows "
        "the Neural Tangent Kernel are [1]."
    )
    [sentence] = verify(echo, [ntk], settings=Settings.load(overrides={"verification.verifier": "embedding"}))
    assert not sentence.supported and sentence.citations == []
    assert not [s for p in bundled_papers().values() for s in split_sentences(p.abstract) if ends_mid_clause(s)]
