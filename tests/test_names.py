"""A sentence naming another source's method is not supported by the source it cites (`rag.names`)."""

from __future__ import annotations

import pytest

from evals.verifier_eval import bundled_papers
from rag import verify
from rag.names import names_in, names_of_another_paper, unknown_names
from rag.paper import normalize_title
from rag.settings import Settings

AUGLOCAL = "Scaling Supervised Local Learning with Augmented Auxiliary Networks"
MAN = "Momentum Auxiliary Network for Supervised Local Learning"


def _paper(title: str) -> dict[str, str]:
    paper = bundled_papers()[normalize_title(title)]
    return {"title": paper.title, "abstract": paper.abstract}


def test_names_are_method_model_and_dataset_words_in_any_spelling():
    assert names_in("AugLocal and MAN beat ResNet-18 on ImageNet, unlike GPT-4.") == {
        "auglocal",
        "man",
        "resnet18",
        "imagenet",
        "gpt4",
    }
    assert names_in("The method reduces memory by 45% in 2024.") == frozenset()


def test_a_name_only_another_source_uses_marks_the_sentence_as_about_that_paper():
    cited = "Notably, our method can reduce GPU memory usage by more than 45% on the ImageNet dataset."
    other = "We put forward an augmented local learning method, dubbed AugLocal."
    assert names_of_another_paper("AugLocal saves more than 45% GPU memory.", cited, [other]) == {"auglocal"}
    # A name the cited source also uses, in another spelling, is its own.
    assert not names_of_another_paper("ResNet18 reaches 70%.", "With a ResNet-18 backbone ...", ["ResNet-18"])
    # A name no source uses is left to the judge (it may be the model's abbreviation of the title).
    assert not names_of_another_paper("GTNs speed up search.", cited, [other])


def test_a_name_the_cited_source_never_spells_is_unknown():
    gif = _paper("Expanding Small-Scale Datasets with Guided Imagination")
    text = f"{gif['title']} {gif['abstract']}"
    assert unknown_names("GIF uses GPT-4 to imagine new samples.", text) == {"gpt4"}
    assert unknown_names("The datasets were collected from Reddit.", text) == {"reddit"}
    # The source's own names in other spellings, initials of its capitalised words, abbreviations of
    # its words, values with a unit and generic acronyms are not unknown.
    assert not unknown_names("GIF uses DALL-E2 and SD to imagine samples on a GPU.", text)
    assert not unknown_names("Guided Imagination (GIF) boosts accuracy by 36.9%, up to 5x.", text)
    assert not unknown_names("A BiLSTM-CRF tags acts.", "We use a bidirectional LSTM with a CRF layer.")
    assert not unknown_names("GTNs speed up search.", "Generative Teaching Networks speed up search.")
    assert not unknown_names("It beats the state-of-the-art (SOTA) methods.", "It beats state-of-the-art methods.")


def test_the_entailment_verifier_does_not_accept_a_name_its_source_never_spells():
    """ "GIF uses GPT-4" shares every other word with the abstract (which names DALL-E2 and Stable
    Diffusion); it is not supported, decided without asking the judge. Without the rule the judge is asked."""
    from rag.answer_types import Source
    from rag.embedding import embedder_for
    from rag.entailment import EntailmentJudge
    from rag.sentences import SentenceIndex
    from rag.verification import EntailmentVerifier

    settings = Settings.load()
    embedder = embedder_for(settings.index)
    paper = bundled_papers()[normalize_title("Expanding Small-Scale Datasets with Guided Imagination")]
    never_asked = EntailmentJudge(lambda: pytest.fail("the judge was asked: the name rule should have decided"))
    verifier = EntailmentVerifier(settings.verification, embedder, SentenceIndex(embedder), judge=never_asked)
    [sentence] = verifier.verify(
        "GIF uses Midjourney to imagine new samples [1].", [Source.from_paper(paper, 1)]
    ).sentences
    assert not sentence.supported and sentence.verdict == "not_enough_info" and sentence.citations == []
    off = settings.verification.model_copy(update={"require_known_names": False})
    asked = EntailmentVerifier(off, embedder, SentenceIndex(embedder), judge=never_asked)
    with pytest.raises(pytest.fail.Exception):
        asked.verify("GIF uses Midjourney to imagine new samples [1].", [Source.from_paper(paper, 1)])


@pytest.mark.slow
def test_one_papers_result_given_to_another_papers_method_is_not_supported(local_model_url):
    # A real local-model answer: MAN [2] reports "more than 45%"; AugLocal [1] reports "around 40%".
    settings = Settings.load(overrides={"generation.backend": "local"})
    papers = [_paper(AUGLOCAL), _paper(MAN)]
    text = "AugLocal saves more than 45% GPU memory compared to end-to-end training on the ImageNet dataset [2]."
    [sentence] = verify(text, papers, settings=settings)
    assert not sentence.supported and 2 not in sentence.citations
    [own] = verify("MAN reduces GPU memory usage by more than 45% on ImageNet [2].", papers, settings=settings)
    assert own.supported and own.citations == [2]
