"""Answers stay on the question: the top paper is always in the evidence, and padding from other papers goes."""

from __future__ import annotations

import pytest

from rag.answer_types import AnswerSentence, Source
from rag.embedding import MiniLMEmbedding
from rag.intent import asks_for_a_number
from rag.paper import Paper
from rag.pipeline import Pipeline
from rag.relevance import (
    compared_names,
    question_vector,
    split_nameless,
    split_numberless,
    split_off_question_names,
    split_off_the_first_paper,
    split_off_topic,
    split_restated,
    split_unaddressed_comparison,
    split_uncited_names,
)
from rag.settings import Settings
from tests.fault_server import ask_through

EXPOSURE = "How can photos with both over- and under-exposure errors be corrected at multiple scales?"


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedding:
    return MiniLMEmbedding()


def _sentence(text: str, *citations: int) -> AnswerSentence:
    return AnswerSentence(text=text, citations=list(citations), supported=True, support=1.0, verdict="supported")


def test_a_supported_sentence_about_another_paper_and_off_the_question_is_left_out(embedder):
    # A real local-model answer (dev-015): every sentence is true of the paper it cites.
    lead = _sentence("Capturing photographs with wrong exposures remains a major source of errors in imaging.", 1)
    padding = [
        _sentence("GIF-SD obtains 13.5% higher model accuracy on natural image datasets than unguided expansion.", 3),
        _sentence('Open-source developers regard error-inducing tests reported by us as "high-quality".', 4),
    ]
    kept, off_topic = split_off_topic([lead, *padding], question_vector(embedder, EXPOSURE, EXPOSURE), embedder, 0.15)
    assert kept == [lead] and off_topic == padding


def test_sentences_citing_the_lead_paper_stay_however_far_from_the_question(embedder):
    # Both cite [2], so only the lead-paper rule (not the one for source [1]) can keep the detail.
    lead = _sentence("The exposure correction model works coarse-to-fine over a Laplacian pyramid of the photo.", 2)
    detail = _sentence("A new dataset of over 24,000 images rendered with a wide range of exposure values is built.", 2)
    vector = question_vector(embedder, EXPOSURE, EXPOSURE)
    assert split_off_topic([lead, detail], vector, embedder, 0.0) == ([lead, detail], [])


def test_an_on_topic_sentence_from_another_paper_stays(embedder):
    question = "Which methods search neural architectures with reinforcement learning?"
    first = _sentence("A recurrent controller trained with reinforcement learning generates architectures.", 1)
    second = _sentence("An RL agent learns to design neural network architectures by sampling layers.", 2)
    vector = question_vector(embedder, question, question)
    assert split_off_topic([first, second], vector, embedder, 0.15) == ([first, second], [])


def test_no_margin_keeps_every_sentence(embedder):
    sentences = [_sentence("Exposure errors are corrected at several scales.", 1), _sentence("Cats purr.", 2)]
    vector = question_vector(embedder, EXPOSURE, EXPOSURE)
    assert split_off_topic(sentences, vector, embedder, None) == (sentences, [])


def test_a_sentence_that_only_restates_a_how_or_why_question_is_not_an_answer():
    # dev-005 and fr-059, as the 1.5B model answered them (both judged supported).
    how = "How can kernel machines be scaled so that model size is decoupled from the amount of training data?"
    echo = _sentence("Kernel machines can be scaled so model size is decoupled from the amount of training data.", 1)
    method = _sentence("EigenPro 3.0 scales kernel machines with projected dual preconditioned SGD.", 1)
    assert split_restated([echo, method], how) == ([method], [echo])
    why = "Why does the RNN approach to speech emotion recognition use a CTC loss?"
    restated = _sentence("The RNN approach to speech emotion recognition uses a CTC loss.", 1)
    reason = _sentence("The CTC loss lets the RNN learn from utterances whose frames are not labelled.", 1)
    assert split_restated([restated, reason], why) == ([reason], [restated])
    # A sentence with a word or a value of its own stays; other questions may be answered by repeating them.
    assert split_restated([_sentence("The RNN uses a CTC loss for 4 emotions.", 1)], why)[1] == []
    yes_no = "Does the RNN approach to speech emotion recognition use a CTC loss?"
    assert split_restated([restated], yes_no) == ([restated], [])
    # f13a-024: "modular addition" is the question's "modular-addition"; a modulus of its own is an answer.
    modulus = "What modulus is used for the modular-addition teacher in the analysis of grokking?"
    echoed = _sentence("Modular addition teacher is used for the modular-addition teacher in the analysis.", 1)
    assert split_restated([echoed], modulus) == ([], [echoed])
    answer = _sentence("The modular addition teacher uses a prime modulus of 97.", 1)
    assert split_restated([answer], modulus) == ([answer], [])


@pytest.mark.parametrize(
    ("question", "query", "title"),
    [
        # Follow-ups whose own words ("faster", "baselines") match other papers' sentences better.
        (
            "How much faster is it than the baselines?",
            "How much faster is Harmony compared to the baselines?",
            "Harmony: Overcoming the Hurdles",
        ),
        ("How fast does it run?", "How fast does XNect run?", "XNect: Real-time Multi-Person"),
        # A first question whose words ("top-1 accuracy", "ResNet-18") other abstracts share.
        (
            "What top-1 accuracy does the instance-aware binary network reach with a ResNet-18 backbone?",
            None,
            "INSTA-BNN",
        ),
    ],
)
def test_the_top_retrieved_paper_is_always_in_the_evidence(bundled_index, question, query, title):
    pipeline = Pipeline(Settings.load(overrides={"generation.backend": "extractive", "index.dir": bundled_index}))
    query = query or question
    [top] = pipeline.searcher.search(query, k=1)
    assert top.paper.title.startswith(title)  # retrieval gets it right; the evidence must keep it
    evidence = pipeline.gather_evidence(question, query)
    assert evidence.sources[0].paper_id == top.paper.paper_id and evidence.sources[0].evidence


def test_sentences_citing_the_top_retrieved_paper_stay(embedder):
    # dev-046: the follow-up's words are closer to another paper's sentence about speed-ups than to the
    # sentence of the paper it asks about, which retrieval ranked first.
    query, question = "How does PRES speed up memory-based dynamic GNN training?", "What speedup does it report?"
    own = _sentence("Our approach enables up to a 4x larger temporal batch (3.4x speed-up) during MDGNN training.", 1)
    other = _sentence("PyTorch-Direct reduces data transfer time by 47.1% and speeds up GNN training by up to 1.6x.", 2)
    kept, _ = split_off_topic([own, other], question_vector(embedder, query, question), embedder, 0.15)
    assert own in kept


def _sources(*titles: str) -> list:
    from evals.verifier_eval import bundled_papers
    from rag.answer_types import Source
    from rag.paper import normalize_title

    papers = bundled_papers()
    return [Source.from_paper(papers[normalize_title(t)], n) for n, t in enumerate(titles, start=1)]


NEAR_MISS_SOURCES = (
    "Parameter Prediction for Unseen Deep Architectures",
    "A Brief Review of Hypernetworks in Deep Learning",
    "PyTorch-Direct: Enabling GPU Centric Data Access for Very Large Graph Neural Network Training with "
    "Irregular Accesses",
)


def test_a_question_naming_a_dataset_is_not_answered_by_a_paper_that_never_uses_it():
    # nm-021, a near-miss question: the local model answered with another paper's true sentence.
    question = "How long does it take to train the graph hypernetwork on DeepNets-1M?"
    padding = _sentence("PyTorch-Direct reduces data transfer time by 47.1% on average.", 3)
    own = _sentence("A graph hypernetwork is trained on DeepNets-1M to predict parameters.", 1)
    kept, off = split_off_question_names([padding, own], question, _sources(*NEAR_MISS_SOURCES))
    assert kept == [own] and off == [padding]


def test_names_no_source_uses_constrain_nothing():
    question = "How long does it take to train the graph hypernetwork on FooBarNet-9?"
    sentences = [_sentence("PyTorch-Direct reduces data transfer time by 47.1% on average.", 3)]
    assert split_off_question_names(sentences, question, _sources(*NEAR_MISS_SOURCES)) == (sentences, [])
    unnamed = "How long does it take to train a graph hypernetwork?"
    assert split_off_question_names(sentences, unnamed, _sources(*NEAR_MISS_SOURCES)) == (sentences, [])


def test_a_quantity_question_answered_without_any_number_is_not_answered():
    # nm-026, a near-miss question: the abstract says the attack succeeds but gives no rate.
    question = "what attack success rate does AdvEncoder achieve on downstream tasks"
    related = _sentence("An attacker can successfully attack downstream tasks without the pre-training data.", 1)
    assert split_numberless([related], question) == ([], [related])
    answer = _sentence("AdvEncoder fools 93.2% of downstream classifiers.", 1)
    assert split_numberless([related, answer], question) == ([related, answer], [])  # one number suffices
    in_words = _sentence("It trains twice as fast as the baseline.", 1)
    assert split_numberless([in_words], "How much faster is it?") == ([in_words], [])
    # f12a-013: the numbers of "ResNet-20" and "CIFAR-10" are names, not the asked percentage points.
    named = _sentence("DeepZero achieves state-of-the-art accuracy on ResNet-20 trained on CIFAR-10.", 1)
    asked = "By how many percentage points does DeepZero improve ResNet-20 accuracy on CIFAR-10?"
    assert split_numberless([named], asked) == ([], [named])
    bit_width = _sentence("It stores weights as 4-bit integers on ImageNet-1k models.", 1)
    assert split_numberless([bit_width], "How many bits does it store weights in?") == ([bit_width], [])
    # f13a-019: "2D/3D" counts dimensions, not the asked mAP points; "45.2 mAP" is a number.
    detectors = _sentence("2D/3D detectors are trained solely on a combination of nuScenes and MORDA.", 1)
    asked = "How many mAP points does the synthetic dataset add for 3D detection?"
    assert split_numberless([detectors], asked) == ([], [detectors])
    measured = _sentence("The 3D detector reaches 45.2 mAP on AI-Hub.", 1)
    assert split_numberless([measured], asked) == ([measured], [])
    # f13b-003: an amount in asymptotic notation answers "how many samples"; a log-likelihood does not.
    asymptotic = _sentence("It trains to a population error o(1) with d polylog(d) samples.", 1)
    samples = "How many training samples suffice for SGD to learn the XOR target?"
    assert split_numberless([asymptotic], samples) == ([asymptotic], [])
    big_o = _sentence("Training needs O(n log n) samples.", 1)
    assert split_numberless([big_o], samples) == ([big_o], [])
    likelihood = _sentence("SGD improves the log-likelihood of the XOR target.", 1)
    assert split_numberless([likelihood], samples) == ([], [likelihood])


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("How many of them got fixed?", True),
        ("What share of the baselines' TFLOPs does p-MoD need?", True),
        ("By how much does it cut latency?", True),
        ("What top-1 accuracy does the model reach on ImageNet?", True),
        ("What is the memory cost of neural ODEs?", False),  # "constant": an answer in words
        ("Which datasets was FedDIP benchmarked on?", False),
        ("How does PRES speed up training?", False),
        ("What inference latency does ApproxNet reach on a phone?", True),
        ("How fast is it, in milliseconds per frame?", True),
        ("Which latency-aware scheduler does it use?", False),
        # f11a-018: a "by what factor" question answered "significantly fewer learned weights"
        ("By what factor do the adapters cut the number of learned weights?", True),
        ("How many times faster do the toolbox's methods run?", True),
        ("What is a factor graph used for in the paper?", False),
        ("What factor most influences the robustness of the models?", False),
        # f13a-017: "what exact value" asks for a number; "what values of the data" does not.
        ("What exact value does the late-time convergence exponent c take?", True),
        ("What value of k does the interpretability method select?", True),
        ("What values of the data does the encoder keep?", False),
        ("Which value-based method does the agent use?", False),
        ("What value does the synthetic dataset add for detectors?", False),
    ],
)
def test_which_questions_ask_for_a_number(question, asks):
    assert asks_for_a_number(question) is asks


SINGLORA = "SingLoRA: Low Rank Adaptation Using a Single Matrix"


def _decided(text: str, evidence: str, *citations: int) -> AnswerSentence:
    return _sentence(text, *citations).model_copy(update={"evidence": evidence})


def test_what_a_question_compares_with():
    assert compared_names("How does SingLoRA compare with DoRA on MNLI?") == {"dora", "mnli"}
    assert compared_names("Is Starbucks better than NV-Embed on MTEB?") == {"nvembed", "mteb"}
    assert compared_names("What accuracy does SingLoRA reach on MNLI?") == frozenset()
    # f6-012: "rather than the DNN itself" compares with no named thing; the answer (56%) was left out for it.
    assert compared_names("What share of latency goes to data movement rather than the DNN itself?") == frozenset()


def test_a_comparison_whose_answer_never_names_what_it_is_compared_with_is_not_answered():
    # nm-036 (a held-out near-miss question): SingLoRA's abstract compares with DoRA only on DreamBooth;
    # the answer's true sentence about MNLI is compared with LoRA.
    mnli = (
        "In common sense reasoning, fine-tuning LLama 7B on MNLI with SingLoRA achieves 91.3% accuracy - "
        "surpassing LoRA (89.1%) and LoRA+ (90.2%) - while using only 60% of their parameter budget."
    )
    answer = [_decided("SingLoRA reaches 91.3% on MNLI, above LoRA's 89.1% [1].", mnli, 1)]
    sources = _sources(SINGLORA)
    assert split_unaddressed_comparison(answer, sources, "How does SingLoRA compare with DoRA on MNLI?") == (
        [],
        answer,
    )
    # Compared with what the deciding evidence names: answered.
    assert split_unaddressed_comparison(answer, sources, "How does SingLoRA compare with LoRA on MNLI?") == (
        answer,
        [],
    )
    # Compared with something no source names in any spelling: nothing here can answer the comparison.
    assert split_unaddressed_comparison(answer, sources, "How does SingLoRA compare with QLoRA?") == ([], answer)


def test_a_comparison_with_what_no_source_names_is_not_answered_but_another_spelling_counts():
    # fr-013 (a tune-half near-miss question): ARM-Net's abstract never mentions TabNet.
    arm = "ARM-Net: Adaptive Relation Modeling Network for Structured Data"
    answer = [_decided("ARM-Net consistently outperforms existing models [1].", "ARM-Net consistently outperforms.", 1)]
    question = "How does ARM-Net compare with TabNet on structured-data prediction benchmarks?"
    assert split_unaddressed_comparison(answer, _sources(arm), question) == ([], answer)
    assert split_unaddressed_comparison(answer, _sources(arm), "How does ARM-Net compare with the baselines?") == (
        answer,
        [],
    )
    # "VGG" in the question, "VGGNet" in the source: the same thing, spelled otherwise.
    vgg = [_decided("It beats VGGNet with 11 layers [1].", "It outperforms VGGNet with only 11 layers.", 1)]
    source = [Source.from_paper(Paper.create("Shallow nets", "A shallow net outperforms VGGNet."), 1)]
    assert split_unaddressed_comparison(vgg, source, "Can a shallow net beat VGG?") == (vgg, [])


@pytest.mark.parametrize(
    ("question", "answer", "answered"),
    [
        # nm-017, fr-009, nm-025 (tune-half near-miss questions): true, supported, and no answer.
        (
            "Which optimizer and learning rate were used to train the Deep Interest Network?",
            "Deep Interest Network was trained using a novel model called Deep Interest Network (DIN).",
            False,
        ),
        (
            "Which ImageNet-pretrained backbone network does the saliency model build on?",
            "The saliency model builds on a lightweight image classification backbone.",
            False,
        ),
        ("Which datasets and models was FedDIP benchmarked on?", "FedDIP was benchmarked on DNN models.", False),
        # fr-050 (fresh test half): the question's "Deep SNP" is the answer's "DeepSNP", not a new name.
        (
            "Apart from neural network models, which dedicated tool is Deep SNP benchmarked against?",
            "DeepSNP is benchmarked against well-known neural network models.",
            False,
        ),
        # Answers that name what was asked for, in capitals or not.
        ("Which optimizer was used to train the Deep Interest Network?", "DIN was trained with Adam.", True),
        ("Which backbone does the saliency model build on?", "It builds on VGG-16.", True),
        ("Which accelerator hardware was it evaluated on?", "It ran on a Xilinx VCU1525 FPGA.", True),
        # f11a-009: software is often named in lower case, introduced as the package's name
        (
            "Which open-source software package accompanies the argument that neural nets are polynomial models?",
            "A many-featured, open-source software package, polyreg, is available.",
            True,
        ),
        # f11a-009 as the extractive backend answered it: "NNs" abbreviates the question's "neural nets".
        (
            "Which open-source software package accompanies the argument that neural nets are polynomial models?",
            "Here we present a simple analytic argument that NNs are in fact essentially polynomial models.",
            False,
        ),
        ("Which toolkit do the authors release?", "The authors release a library called fairseq.", True),
        # nm-005 as the extractive backend answered it: a web address names no licence.
        ("Under what licence is the MAVREC dataset released?", "We release MAVREC: https://mavrec.github.io.", False),
        ("Under what licence is the MAVREC dataset released?", "MAVREC is released under the MIT licence.", True),
        ("Which software package accompanies the paper?", "The software package is available online.", False),
        # f13b-022: "the video question answering" abbreviates nothing, so TVQA is a new name; "video question
        # answering" does abbreviate to VQA.
        (
            "On which benchmark was the video question answering model with a context matching module evaluated?",
            "The video question answering model was evaluated on TVQA dataset.",
            True,
        ),
        (
            "On which benchmark was the video question answering model with a context matching module evaluated?",
            "The VQA model with a context matching module was evaluated.",
            False,
        ),
        # Not a question for a name: nothing asked of the answer.
        ("Which approach does the saliency model take?", "It uses an encoder-decoder network.", True),
        ("What share of the baselines' TFLOPs does p-MoD need?", "It needs about half.", True),
    ],
)
def test_a_question_for_a_name_is_answered_only_by_a_sentence_naming_something_new(question, answer, answered):
    sentences = [_sentence(answer, 1)]
    assert split_nameless(sentences, question) == ((sentences, []) if answered else ([], sentences))


def test_a_sentence_left_out_as_off_the_question_says_why(bundled_index):
    """Through the whole pipeline: the extractive answer to a question for a dataset names none, so it
    abstains, and the left-out sentence carries the rule's reason (shown in the chat and the CLI)."""
    from rag import ask

    answer = ask(
        "Which dataset was the Deep Interest Network evaluated on?", backend="extractive", index_dir=bundled_index
    )
    assert answer.abstained and answer.sentences == [] and answer.off_topic
    assert {s.left_out for s in answer.off_topic} == {"the question asks for a name, and no sentence gives one"}
    kept = ask("How much GPU memory does AugLocal save?", backend="extractive", index_dir=bundled_index)
    assert not kept.abstained and all(s.left_out is None for s in kept.sentences)


def test_a_question_about_one_paper_is_answered_only_from_the_first(bundled_index, monkeypatch):
    """f9a-013: asked SeiT++'s ImageNet accuracy (the abstract gives none), the model quoted NASNet's true
    82.7% from another retrieved paper, and the judge rightly called it supported. A question about one
    paper is answered only by sentences citing [1]; a question about several keeps them."""
    question = (
        "What top-1 accuracy on ImageNet-1k does the masked-token-modeling extension of token-based "
        "storage-efficient training achieve?"
    )
    nasnet = "NASNet achieves state-of-the-art accuracy of 82.7% top-1 and 96.2% top-5 on ImageNet"
    answer = ask_through("restate", f"{nasnet} [2].", question, bundled_index, monkeypatch)
    sources = answer.sources
    assert sources[0].title.startswith("SeiT++") and "NASNet" in sources[1].text  # what the reply cites
    assert answer.abstained and [s.left_out for s in answer.off_topic] == [
        "the question asks about one paper, and this sentence cites only others"
    ]
    about_several = question.replace("does", "do the papers on")
    several = ask_through("restate", f"{nasnet} [2].", about_several, bundled_index, monkeypatch)
    assert not several.abstained and several.sentences[0].citations == [2]


def test_split_off_the_first_paper_keeps_every_sentence_of_a_question_about_several():
    first, other = _sentence("A holds [1].", 1), _sentence("B holds [2].", 2)
    assert split_off_the_first_paper([first, other], "What does the A paper report?") == ([first], [other])
    assert split_off_the_first_paper([first, other], "What do these papers report?") == ([first, other], [])
    assert split_off_the_first_paper([other], "How does A compare with B?") == ([other], [])


def test_a_value_from_an_abstract_that_never_names_the_asked_setting_is_not_the_answer():
    # f13a-023: the abstract gives "up to 3x" overall and never mentions ImageNet, which the question asks about.
    sources = _sources("Incremental Randomized Smoothing Certification")
    overall = _sentence("Incremental randomized smoothing gives up to 3x certification speedup.", 1)
    asked = "What certification speed-up does incremental randomized smoothing achieve on ImageNet?"
    assert split_uncited_names([overall], sources, asked) == ([], [overall])
    # No: without the setting the value answers; a question for neither a value nor a name is not judged.
    assert split_uncited_names([overall], sources, asked.replace(" on ImageNet", "")) == ([overall], [])
    how = "How does incremental randomized smoothing certify models on ImageNet?"
    assert split_uncited_names([overall], sources, how) == ([overall], [])
    # fr-047: "sub-3-bit" paraphrases the abstract's "< 3 bits"; a numbered setting is not a name here.
    sources = _sources("Mixed-Precision Graph Neural Quantization for Low Bit Large Language Models")
    gptq = _sentence("MG-PTQ outperforms GPTQ on WikiText2 and C4.", 1)
    asked = "Which post-training quantization method does the GNN-based quantizer for sub-3-bit LLMs outperform?"
    assert split_uncited_names([gptq], sources, asked) == ([gptq], [])
