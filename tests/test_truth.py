"""Truth by meaning: the entailment verifier, the answerability gate, `verify()`, and the eval judge.

Each check is run on cases whose right answer is known to be "no" (a claim the abstract contradicts, a
question whose topic is indexed but whose fact is not), with the real embedded model behind its server.
Several of them pass the old similarity-only checks, which is what these tests are for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from evals.judge import EntailmentJudge, OfflineJudge
from evals.judge_agreement import agreement
from evals.verifier_eval import bundled_papers, load_claims
from rag import verify
from rag.answer_types import AnswerSentence, Source
from rag.answerability import judge_messages
from rag.embedding import embedder_for
from rag.entailment import EntailmentJudge as RagEntailmentJudge
from rag.entailment import judgment_from_tokens, yes_probability
from rag.errors import InputError
from rag.generate import llm_messages, make_generator
from rag.intent import asks_for_a_finding, asks_for_a_name, intent_adjustment, question_intent
from rag.judges import make_verifier
from rag.llm.client import LLMClient, LLMEndpointError
from rag.llm.model_files import MODEL_NAME
from rag.names import names_and_acronyms, new_names, question_names
from rag.paper import normalize_title
from rag.pipeline import RELATED_ABSTENTION_TEXT, Pipeline, ask
from rag.sentences import SentenceIndex
from rag.settings import Settings
from rag.verification import EmbeddingVerifier, EntailmentVerifier

CLAIMS = {c["id"]: c for c in load_claims("evals/verification/claims.jsonl")}
# Test-split claims the cited abstract contradicts that the embedding verifier accepts as supported.
CONTRADICTED = ["vc-064", "vc-074", "vc-084", "vc-107"]
NOT_STATED = ["vc-128", "vc-151"]
SUPPORTED = ["vc-002", "vc-001"]
# Near-miss questions (topic indexed, fact absent) that pass the similarity gate.
NEAR_MISS = "What dropout rate did Network In Network use?"


def paper_of(claim_id: str) -> dict[str, str]:
    paper = bundled_papers()[normalize_title(CLAIMS[claim_id]["paper_title"])]
    return {"title": paper.title, "abstract": paper.abstract}


def cited(claim_id: str) -> str:
    return f"{CLAIMS[claim_id]['claim'].rstrip('.')} [1]."


def local_settings(**overrides: object) -> Settings:
    return Settings.load(overrides={"generation.backend": "local", **overrides})


@pytest.mark.slow
def test_contradicted_claims_the_embedding_verifier_accepts_are_not_supported(local_model_url):
    settings = local_settings()
    embedder = embedder_for(settings.index)
    similarity_only = settings.verification.model_copy(update={"role_order": False})  # no role rule: vc-084
    old = EmbeddingVerifier(similarity_only, embedder, SentenceIndex(embedder))
    for claim_id in CONTRADICTED:
        source = Source.from_paper(bundled_papers()[normalize_title(CLAIMS[claim_id]["paper_title"])], 1)
        assert old.verify(cited(claim_id), [source]).sentences[0].supported, claim_id  # the old verifier fails
        [sentence] = verify(cited(claim_id), [paper_of(claim_id)], settings=settings)
        assert not sentence.supported and sentence.citations == [], claim_id
        assert sentence.verdict in ("contradicted", "not_enough_info")
        assert sentence.evidence and sentence.evidence in paper_of(claim_id)["abstract"]


@pytest.mark.slow
def test_unstated_claims_are_not_supported_and_paraphrases_are(local_model_url):
    settings = local_settings()
    for claim_id in NOT_STATED:
        [sentence] = verify(cited(claim_id), [paper_of(claim_id)], settings=settings)
        assert not sentence.supported, claim_id
    for claim_id in SUPPORTED:
        [sentence] = verify(cited(claim_id), [paper_of(claim_id)], settings=settings)
        assert sentence.supported and sentence.verdict == "supported" and sentence.citations == [1], claim_id


@pytest.mark.slow
def test_a_sentence_cited_to_the_wrong_paper_is_reattached(local_model_url):
    """Repair stays: a claim true of [2] but cited to [1] ends up citing [2]."""
    settings = local_settings()
    text = f"{CLAIMS['vc-002']['claim'].rstrip('.')} [1]."
    [sentence] = verify(text, [paper_of("vc-001"), paper_of("vc-002")], settings=settings)
    assert sentence.supported and sentence.citations == [2]


@pytest.mark.slow
def test_a_near_miss_question_abstains_with_related_papers(bundled_index, local_model_url):
    # The similarity gate alone answers it (with another paper's sentences) ...
    similarity_only = Settings.load(overrides={"verification.require_first_paper": False})
    assert not ask(NEAR_MISS, backend="extractive", index_dir=bundled_index, settings=similarity_only).abstained
    # ... which a question about one paper no longer takes from the others, even without the model.
    assert ask(NEAR_MISS, backend="extractive", index_dir=bundled_index).abstained
    answer = ask(NEAR_MISS, backend="local", index_dir=bundled_index)
    assert answer.abstained and answer.answer == RELATED_ABSTENTION_TEXT
    assert answer.sources and answer.sentences == []  # related papers listed, nothing asserted


def test_the_answerability_question_shares_the_answer_prompt_prefix():
    answer = llm_messages("What is X?", [])
    judge = judge_messages(answer)
    assert judge[:-1] == answer[:-1]
    head = answer[-1]["content"].rpartition("\n")[0]
    assert head.endswith("Question: What is X?") and judge[-1]["content"].startswith(head + "\n")


def test_first_token_probabilities_become_verdicts():
    judgment = judgment_from_tokens({"supported": 0.3, "contr": 0.5, "unstated": 0.1, "the": 0.1})
    assert judgment.verdict(0.6) == "contradicted"
    assert round(judgment.supported + judgment.contradicted + judgment.not_enough_info, 6) == 1.0
    assert judgment_from_tokens({"sup": 0.7, "un": 0.2}).verdict(0.6) == "supported"
    assert judgment_from_tokens({"unsupported": 0.9, "supported": 0.1}).verdict(0.6) == "not_enough_info"
    assert judgment_from_tokens({"hello": 1.0}).verdict(0.6) == "not_enough_info"


def test_verify_rejects_bad_input():
    with pytest.raises(InputError, match="empty text"):
        verify("  ", [{"title": "t", "abstract": "a"}])
    with pytest.raises(InputError, match="non-empty list"):
        verify("x [1].", [])
    with pytest.raises(InputError, match=r"papers\[0\]"):
        verify("x [1].", [{"title": "only a title"}], settings=local_settings(**{"generation.backend": "extractive"}))


def test_verify_with_the_embedding_verifier_marks_uncited_and_out_of_range():
    settings = Settings.load(overrides={"generation.backend": "extractive"})
    paper = paper_of("vc-002")
    sentences = verify(f"{CLAIMS['vc-002']['claim']} [1]. Something else entirely [7].", [paper], settings=settings)
    assert [s.verdict for s in sentences] == ["supported", "not_enough_info"]
    assert sentences[1].citations == []


@pytest.mark.slow
def test_rag_verify_cli_with_indexed_papers_and_abstract_files(bundled_index, local_model_url, tmp_path):
    env = {**os.environ, "RAG_INDEX_DIR": str(bundled_index)}
    title = CLAIMS["vc-074"]["paper_title"]
    run = subprocess.run(
        [sys.executable, "-m", "rag.cli", "verify", cited("vc-074"), "--paper", title, "--backend", "local", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    [sentence] = json.loads(run.stdout)
    assert sentence["supported"] is False and sentence["verdict"] != "supported"
    abstracts = tmp_path / "papers.jsonl"
    abstracts.write_text(json.dumps(paper_of("vc-001")) + "\n")
    command = [sys.executable, "-m", "rag.cli", "verify", cited("vc-001"), "--abstracts", str(abstracts)]
    run = subprocess.run([*command, "--backend", "local"], capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0 and "supported" in run.stdout, run.stderr
    run = subprocess.run(
        [sys.executable, "-m", "rag.cli", "verify", "x [1].", "--paper", "No Such Paper About Sourdough"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert run.returncode == 2 and "no indexed paper" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.slow
def test_the_entailment_judge_tells_contradiction_where_the_lexical_judge_cannot(local_model_url):
    judge = EntailmentJudge(LLMClient(base_url=local_model_url + "/v1", model=MODEL_NAME))
    lexical = OfflineJudge()
    claims = [CLAIMS[i] for i in ("vc-074", "vc-084", "vc-001")]
    passages = {c["id"]: [f"{paper_of(c['id'])['title']}. {paper_of(c['id'])['abstract']}"] for c in claims}
    assert lexical.supports(CLAIMS["vc-084"]["claim"], passages["vc-084"])  # word overlap cannot see direction
    assert not judge.supports(CLAIMS["vc-084"]["claim"], passages["vc-084"])
    assert not judge.supports(CLAIMS["vc-074"]["claim"], passages["vc-074"])
    assert judge.supports(CLAIMS["vc-001"]["claim"], passages["vc-001"])
    result = agreement(judge, claims)
    assert result["agreement"] == 1.0 and result["accepted"]["contradicted"]["accepted"] == 0


def test_the_eval_judge_rejects_a_changed_number_without_asking_the_model():
    """On heldout11 the model said "yes" to all three claims with a changed number. The rule decides before
    any call: the client points at a closed port, so asking would raise."""
    judge = EntailmentJudge(LLMClient(base_url="http://127.0.0.1:9/v1", model="m", attempts=1))
    abstract = "DQA reaches 48.2% top-1 accuracy, 2.1 points above direct quantization."
    assert not judge.supports("DQA reaches 84.2% top-1 accuracy.", [abstract])
    with pytest.raises(LLMEndpointError):  # a claim whose numbers it states goes to the model
        judge.supports("DQA reaches 48.2% top-1 accuracy.", [abstract])


@pytest.mark.parametrize(("yes", "supported"), [(0.55, False), (0.65, True)])
def test_the_eval_judge_needs_a_confident_yes(yes, supported):
    """A greedy "yes" at P = 0.55 is not support (`SUPPORT_THRESHOLD`); the endpoint is a real HTTP server
    on 127.0.0.1 that replies "yes" with those log-probabilities."""
    from tests.fault_server import misbehaving_server

    with misbehaving_server("unsure-yes", reply=str(yes)) as (url, _handler):
        judge = EntailmentJudge(LLMClient(base_url=url, model="m", attempts=1))
        assert judge.supports("DQA reaches 48.2% top-1 accuracy.", ["DQA reaches 48.2% top-1 accuracy."]) is supported


def test_judge_agreement_on_another_labelled_set(tmp_path):
    """`--claims` meta-evaluates a judge on any labelled set: the lexical judge accepts the direction swap
    vc-084 as readily as the true vc-001, and the figures say so."""
    claims = tmp_path / "claims.jsonl"
    claims.write_text("".join(json.dumps(CLAIMS[i]) + "\n" for i in ("vc-001", "vc-084")))
    command = [sys.executable, "-m", "evals.judge_agreement", "--judge", "lexical", "--claims", str(claims)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["claims"] == 2 and result["claims_file"] == str(claims)
    assert result["accepted"]["contradicted"]["accepted"] == 1 and result["agreement"] == 0.5


def test_intent_favours_the_sentence_that_gives_the_method():
    question = "How does CBNet reduce inference latency for difficult inputs on edge devices?"
    assert question_intent(question) == "how"
    assert question_intent("Why does standard LoRA sometimes train unstably?") == "why"
    assert question_intent("How many GPUs were used?") == "quantity"
    # A leading clause sets the scene; the main clause says what is asked.
    assert question_intent("Once the dynamics model has been sparsified, how is it used to plan?") == "how"
    assert question_intent("For the distal zone, how much does the CNN improve the distance?") == "quantity"
    assert question_intent("For the distal zone, which CNN improves the distance, and how?") == "other"
    method = "A converting autoencoder transforms hard images into easy ones, which are processed by a small DNN."
    problem = "However, inference on edge devices remains challenging for hard inputs."
    assert intent_adjustment(method, "how", 0.08, 0.08) > 0 > intent_adjustment(problem, "how", 0.08, 0.08)
    assert intent_adjustment(problem, "other", 0.08, 0.08) == 0
    # f11a-019: a two-stage procedure is how it is done; it gained nothing before
    stages = "For model training, we introduce a two-stage contrastive instruction-tuning method."
    assert intent_adjustment(stages, "how", 0.08, 0.08) > 0
    # f13a-007: a proof that relies on tools from spin glasses is how the bounds are derived.
    relies = "The proof relies on rigorous tools from spin glasses."
    assert intent_adjustment(relies, "how", 0.08, 0.08) > 0
    assert intent_adjustment("Our results hold for any training algorithm.", "how", 0.08, 0.08) == 0


def test_a_sentence_abbreviating_the_question_names_nothing_new():
    """f11a-009 ("Which open-source software package accompanies the argument that neural nets are ...?"):
    every sentence saying "NNs" gained the name bonus, and the one naming polyreg lost its place."""
    question = "Which open-source software package accompanies the argument that neural nets are polynomial models?"
    asked = question_names(question)
    abbreviating = "Here we present a simple analytic argument that NNs are in fact essentially polynomial models."
    assert new_names(abbreviating, asked) == frozenset()
    assert intent_adjustment(abbreviating, "other", 0.08, 0.08, asked_names=asked) == 0
    naming = "We release the package for PyTorch."
    assert new_names(naming, asked) == {"pytorch"}
    assert intent_adjustment(naming, "other", 0.08, 0.08, asked_names=asked) > 0


def test_sentences_carry_a_verdict():
    assert AnswerSentence(text="x", supported=True, support=1.0).verdict == "supported"
    assert AnswerSentence(text="x", supported=False, support=0.0).verdict == "not_enough_info"


def test_the_judge_reads_the_evidence_the_answer_was_written_from():
    """The sentence the generator paraphrased is shown to the judge even when MiniLM ranks it low (a long
    "We find: (i) ... (ii) ..." sentence); the evidence leads, so every check of a source shares its prefix."""
    settings = local_settings()
    embedder = embedder_for(settings.index)
    verifier = EntailmentVerifier(settings.verification, embedder, SentenceIndex(embedder))
    paper = bundled_papers()[normalize_title("A Study of Bayesian Neural Network Surrogates for Bayesian Optimization")]
    abstract = SentenceIndex(embedder).sentences([paper])[paper.paper_id][0]
    finding = next(s for s in abstract if s.startswith("We find"))
    claim = "Hamiltonian Monte Carlo performed best for fully stochastic Bayesian neural network surrogates."
    similarity = embedder.embed([claim])[0] @ embedder.embed(abstract).T
    closest_three = [abstract[k] for k in sorted(similarity.argsort()[::-1][:3])]
    assert finding not in closest_three  # what the judge read before
    bare = Source.from_paper(paper, 1)
    assert verifier._shown(claim, bare, abstract, similarity) == closest_three  # `rag verify`: no evidence
    answered = Source.from_paper(paper, 1, [abstract[1], finding])
    shown = verifier._shown(claim, answered, abstract, similarity)
    assert shown[:2] == [abstract[1], finding] and shown[2] == abstract[int(similarity.argmax())]
    assert verifier._shown(claim, Source.from_paper(paper, 1, [shown[2]]), abstract, similarity) == [shown[2]]


def test_the_judge_also_reads_the_sentence_spelling_what_the_evidence_does_not():
    """f8-042: "evaluated on the LibriSpeech corpus" was judged against three evidence sentences that never
    name LibriSpeech and a closest sentence about HMM-GMM; the judge rejected a true sentence."""
    settings = local_settings()
    embedder = embedder_for(settings.index)
    verifier = EntailmentVerifier(settings.verification, embedder, SentenceIndex(embedder))
    title = "Improved Contextual Recognition In Automatic Speech Recognition Systems By Semantic Lattice Rescoring"
    paper = bundled_papers()[normalize_title(title)]
    abstract = SentenceIndex(embedder).sentences([paper])[paper.paper_id][0]
    spelling = next(s for s in abstract if "LibriSpeech" in s)
    evidence = [s for s in abstract if "LibriSpeech" not in s][:3]
    claim = "The HMM-GMM/DNN recognizer was evaluated on the LibriSpeech corpus."
    similarity = embedder.embed([claim])[0] @ embedder.embed(abstract).T
    shown = verifier._shown(claim, Source.from_paper(paper, 1, evidence), abstract, similarity)
    assert shown[:3] == evidence and spelling in shown
    # A claim the evidence already spells gets nothing more than the closest sentence.
    plain = "The recognizer uses HMM-GMM with DNN models."
    similarity = embedder.embed([plain])[0] @ embedder.embed(abstract).T
    shown = verifier._shown(plain, Source.from_paper(paper, 1, evidence), abstract, similarity)
    assert spelling not in shown and len(shown) <= 4


@pytest.mark.slow
def test_a_paraphrase_of_the_evidence_shown_is_judged_against_it(local_model_url):
    """Judged against MiniLM's closest three, the claim is called contradicted; against the evidence the
    answer was written from, it is not (and the same claim about another method still is not supported)."""
    settings = local_settings()
    embedder = embedder_for(settings.index)
    verifier = make_verifier(settings, embedder, SentenceIndex(embedder), make_generator(settings))
    assert isinstance(verifier, EntailmentVerifier)
    paper = bundled_papers()[normalize_title("A Study of Bayesian Neural Network Surrogates for Bayesian Optimization")]
    abstract = SentenceIndex(embedder).sentences([paper])[paper.paper_id][0]
    evidence = [abstract[2], abstract[4], next(s for s in abstract if s.startswith("We find"))]
    claim = "Hamiltonian Monte Carlo performed best for fully stochastic Bayesian neural network surrogates [1]."
    [bare] = verifier.verify(claim, [Source.from_paper(paper, 1)]).sentences
    [read] = verifier.verify(claim, [Source.from_paper(paper, 1, evidence)]).sentences
    assert not bare.supported and read.verdict != "contradicted" and read.support > bare.support + 0.3
    other = "Deep ensembles performed best for fully stochastic Bayesian neural network surrogates [1]."
    assert not verifier.verify(other, [Source.from_paper(paper, 1, evidence)]).sentences[0].supported


def test_intent_cues_for_findings_and_background():
    question = "Which explanation methods came out as the most interpretable for remote sensing classifiers?"
    assert question_intent(question) == "other" and asks_for_a_finding(question)
    assert not asks_for_a_finding("Which datasets was FedDIP benchmarked on?")
    finding = "According to our findings, Occlusion, Grad-CAM and Lime were the most interpretable XAI methods."
    setup = "Ten XAI methods were employed towards understanding and interpreting models' predictions."
    assert intent_adjustment(finding, "other", 0.08, 0.08, finding=True) > 0
    assert intent_adjustment(setup, "other", 0.08, 0.08, finding=True) == 0
    assert intent_adjustment(finding, "other", 0.08, 0.08) == 0  # only when the question asks for a finding
    method = 'It utilizes a "converting" autoencoder to transform hard images into easy ones.'
    background = "This improves upon recent work such as early-exiting framework and DNN partitioning."
    assert intent_adjustment(method, "how", 0.08, 0.08) > 0 > intent_adjustment(background, "how", 0.08, 0.08)
    assert intent_adjustment("The key idea is to approximate the network as a linear one.", "how", 0.08, 0.08) > 0


def test_a_question_asking_for_a_name_favours_sentences_that_name_something_else():
    question = "What solver is the SMT verification framework implemented with?"
    assert question_intent(question) == "other" and asks_for_a_name(question)
    asked = names_and_acronyms(question)
    named = "We implement the techniques using Z3 and evaluate them on state-of-the-art networks."
    unnamed = "We develop an automated verification framework for feed-forward networks based on SMT."
    assert intent_adjustment(named, "other", 0.08, 0.08, asked_names=asked) == 0.08
    assert intent_adjustment(unnamed, "other", 0.08, 0.08, asked_names=asked) == 0  # SMT is the question's
    assert intent_adjustment(named, "other", 0.08, 0.08) == 0  # only when the question asks for a name
    both = "Experiments on WikiText2 show that MG-PTQ outperforms GPTQ."
    asked = names_and_acronyms("Which method does MG-PTQ outperform, and on which datasets?")
    assert intent_adjustment(both, "other", 0.08, 0.08, finding=True, asked_names=asked) == pytest.approx(0.16)


def test_a_second_opinion_must_agree_for_an_unsure_verdict_to_become_supported():
    unsure = judgment_from_tokens({"supported": 0.55, "contradicted": 0.3, "unstated": 0.15})
    assert unsure.verdict(0.6) == "contradicted"
    agreed = unsure.with_second_opinion(0.9)
    assert agreed.verdict(0.6) == "supported" and agreed.supported == pytest.approx((0.55 * 0.9) ** 0.5)
    doubted = judgment_from_tokens({"supported": 0.75, "unstated": 0.25}).with_second_opinion(0.3)
    assert doubted.verdict(0.6) == "not_enough_info"  # the three-way question's runner-up stays
    assert round(doubted.supported + doubted.contradicted + doubted.not_enough_info, 6) == 1.0
    assert yes_probability({"yes": 0.6, "no": 0.2, "maybe": 0.2}) == pytest.approx(0.75)
    assert yes_probability({"the": 1.0}) == 0.0
    assert judgment_from_tokens({"unstated": 0.6, "supported": 0.4}).word == "unstated"  # the follow-up's context
    with pytest.raises(ValueError, match="second_opinion"):
        Settings.load(overrides={"verification.second_opinion": [0.9, 0.4]})


@pytest.mark.slow
def test_the_follow_up_question_tells_a_stated_claim_from_a_reversed_one(local_model_url):
    """The yes/no follow-up, asked of the real model after an unsure "supported" to each claim: the
    paraphrase the evidence states gets a higher P("yes") than the same claim reversed or negated, and
    enough to lift the unsure verdict over the threshold."""
    judge = RagEntailmentJudge(LLMClient(base_url=local_model_url + "/v1", model=MODEL_NAME))
    evidence = ["Experiments show that HarDNet is twice as fast as DenseNet."]
    unsure = judgment_from_tokens({"supported": 0.6, "contradicted": 0.3, "unstated": 0.1})
    assert unsure.word == "supported"
    stated = judge.second_opinion("HarDNet runs twice as fast as DenseNet.", "HarDNet", evidence, unsure)
    reversed_ = judge.second_opinion("DenseNet runs twice as fast as HarDNet.", "HarDNet", evidence, unsure)
    slower = judge.second_opinion("HarDNet is slower than DenseNet.", "HarDNet", evidence, unsure)
    assert stated > max(reversed_, slower)
    threshold = Settings.load().verification.second_opinion_threshold
    assert unsure.with_second_opinion(stated).supported >= threshold > unsure.supported


def test_the_sentence_naming_the_asked_for_tool_becomes_evidence(bundled_index):
    """ "What solver ...": the abstract names Z3 in a sentence that shares few words with the question.
    It is shown to the generator only because it names something; the other papers' sentences gain no
    bonus (a dataset question about DIN, whose abstract names none, still abstains: test_relevance)."""
    question = (
        "What solver is the SMT-based framework for verifying the safety of image classification decisions "
        "implemented with?"
    )
    pipeline = Pipeline(Settings.load(overrides={"generation.backend": "local", "index.dir": str(bundled_index)}))
    evidence = pipeline.gather_evidence(question, question)
    shown = " ".join(s for source in evidence.answer_sources for s in source.evidence)
    assert "Z3" in shown
    plain = pipeline.settings.evidence.model_copy(update={"intent_bonus": 0.0})
    pipeline.settings = pipeline.settings.model_copy(update={"evidence": plain})
    evidence = pipeline.gather_evidence(question, question)
    assert "Z3" not in " ".join(s for source in evidence.answer_sources for s in source.evidence)
