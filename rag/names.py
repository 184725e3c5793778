"""Names of methods, models and datasets in a sentence ("AugLocal", "ProARD", "ResNet-18", "MAN").

A small model answering from several papers sometimes gives one paper's result to another's method:
"AugLocal saves more than 45% GPU memory [2]", where [2] (a different paper) reports the 45% for its own
method and never mentions AugLocal. The LLM judge, shown [2]'s sentence about "our method", accepts it.
A sentence that names something which another source of the same answer names, but the cited source
does not, is about that other paper: it is not supported by the cited one (`rag.verification`).
Nor is a sentence naming what the cited title and abstract never spell at all (`unknown_names`): "GIF
uses GPT-4 to imagine samples" when the abstract names DALL-E2 and Stable Diffusion.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from bm25s.stopwords import STOPWORDS_EN_PLUS

# A word with a capital after its first letter (AugLocal, ProARD, MAN, GPT) or letters joined to digits
# (ResNet-18, GPT-4, T5), hyphenated parts included.
_WORD = re.compile(r"\b\w[\w-]*\b")
_CAPITAL_INSIDE = re.compile(r"^.[^\s]*[A-Z]")
_LETTERS_AND_DIGITS = re.compile(r"(?=.*[A-Za-z])(?=.*\d)")


def name_key(word: str) -> str:
    """A word's spelling-insensitive form, as `names_in` and `words_in` give it: "ResNet-18" and "resnet18"
    match, and so do "GTN" and "GTNs"."""
    key = re.sub(r"[^0-9a-z]", "", word.lower())
    return key[:-1] if len(key) > 3 and key.endswith("s") else key


def _marked_words(text: str) -> set[str]:
    """The words of `text`, as written, that look like names whatever their place: a capital after the
    first letter or letters joined to digits."""
    return {
        word
        for word in _WORD.findall(text)
        if len(word) > 1 and not word.isdigit() and (_CAPITAL_INSIDE.match(word) or _LETTERS_AND_DIGITS.match(word))
    }


def names_in(text: str) -> frozenset[str]:
    """The name-like words of `text`, in their spelling-insensitive form."""
    return frozenset(name_key(word) for word in _marked_words(text))


@functools.lru_cache(maxsize=256)  # the same few abstracts are looked up for every sentence of an answer
def words_in(text: str) -> frozenset[str]:
    """Every word of `text` in the same spelling-insensitive form (a name may be written in lower case)."""
    return frozenset(name_key(w) for w in _WORD.findall(text))


def core_key(word: str) -> str:
    """`name_key` of `word` without the lower-case words it is hyphenated with: "SIMD-vectorized" and
    "SIMD-optimized" are both "simd", "RISC-V-based" is "riscv"; "DFN-2B" and "top-1" stay whole."""
    parts = [part for part in word.split("-") if part]
    kept = [part for part in parts if not (part.isalpha() and part.islower())]
    if not kept or len(kept) == len(parts) or all(part.isdigit() for part in kept):
        return name_key(word)
    return name_key("".join(kept))


def core_keys(text: str) -> dict[str, str]:
    """Each word of `text` in its `name_key` form, mapped to its `core_key`."""
    return {name_key(word): core_key(word) for word in _WORD.findall(text)}


def spelled_whole_or_core(name: str, cores: dict[str, str], words: frozenset[str], text: str) -> bool:
    """Whether `name` (a `name_key` of a sentence whose `core_keys` are `cores`) is spelled in `words`
    (what `text` spells), whole or as the core of a hyphenated word: "SIMD-vectorized" by a sentence
    reading "SIMD-optimized" (f14a-021), but "DFN-2B" not by one reading "DFN-5B" and "LAION-2B"."""
    if spelled_in(name, words):
        return True
    core = cores.get(name, name)
    return core != name and spelled_in(core, words | frozenset(core_keys(text).values()))


# Kinds of model and hardware, not names of one: "benchmarked on DNN models" names nothing.
_GENERIC_KINDS = ("AI", "ML", "NLP", "CV", "DNN", "CNN", "RNN", "GNN", "MLP", "LLM", "VLM", "GPU", "CPU", "TPU", "API")
# Nor does a standing: "outperforms SOTA methods" (state of the art).
_GENERIC_STANDINGS = ("SOTA",)
GENERIC_ACRONYMS = frozenset(name_key(w) for w in _GENERIC_KINDS + _GENERIC_STANDINGS)
_CAPITALISED = re.compile(r"(?<=\s)[A-Z][\w-]*")
_CAPITALISED_RUN = re.compile(r"\b[A-Z][\w-]*(?:\s+[A-Z][\w-]*)+")


def name_words(text: str) -> frozenset[str]:
    """The words of `text`, as written, that `proper_names` counts: name-like words (`names_in`) and
    capitalised words after the first ("trained with Adam in PyTorch")."""
    return frozenset(_marked_words(text) | set(_CAPITALISED.findall(text.strip())))


def proper_names(text: str) -> frozenset[str]:
    """`name_words` in the spelling-insensitive form, without `GENERIC_ACRONYMS`."""
    return frozenset(name_key(word) for word in name_words(text)) - GENERIC_ACRONYMS


def names_and_acronyms(text: str) -> frozenset[str]:
    """Every word of `text` (`words_in`), and the initials and the joined words of its runs of capitalised
    words ("Deep Interest Network" gives "din"; "Deep SNP" gives "deepsnp", as "DeepSNP" is written): what a
    sentence may repeat of a question without naming anything new."""
    runs = _CAPITALISED_RUN.findall(text)
    initials = {name_key("".join(w[0] for w in run.split())) for run in runs}
    return words_in(text) | initials | {name_key("".join(run.split())) for run in runs}


def word_initials(text: str) -> frozenset[str]:
    """The initials of every run of 2-4 consecutive words of `text`, capitalised or not, that neither
    begins nor ends with a function word: "neural nets" gives "nn", so a sentence's "NNs" repeats the
    question's words rather than naming something new. "the video question answering" abbreviates
    nothing: its "tvqa" would make the TVQA benchmark a repetition of the question (f13b-022)."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return frozenset(
        "".join(w[0] for w in words[i : i + n])
        for n in (2, 3, 4)
        for i in range(len(words) - n + 1)
        if words[i] not in STOPWORDS_EN_PLUS and words[i + n - 1] not in STOPWORDS_EN_PLUS
    )


def question_names(question: str) -> frozenset[str]:
    """What `question` already names, for `new_names`: its words and the initials of its capitalised runs
    (`names_and_acronyms`) and of its words (`word_initials`)."""
    return names_and_acronyms(question) | word_initials(question)


def new_names(sentence: str, asked: frozenset[str]) -> frozenset[str]:
    """The names of `sentence` (`proper_names`) that `asked` (`question_names` of a question) neither
    spells (`spelled_in`) nor holds in the singular ("NNs" for "nn")."""
    return frozenset(
        name
        for name in proper_names(sentence)
        if not spelled_in(name, asked) and not (name.endswith("s") and len(name) > 2 and name[:-1] in asked)
    )


def spelled_in(name: str, words: frozenset[str]) -> bool:
    """`name` is one of `words`, or (both of 3+ characters) one begins the other ("vgg" and "vggnet")."""
    if name in words:
        return True
    return len(name) >= 3 and any(w.startswith(name) or name.startswith(w) for w in words if len(w) >= 3)


def unknown_names(sentence: str, cited_text: str, also_spelled: Callable[[str], bool] | None = None) -> frozenset[str]:
    """The names of `sentence` (`name_words`) that `cited_text` never spells, in their spelling-insensitive
    form. Spelled means: the word (`spelled_in`), the initials of a capitalised run ("DIN"), or an
    abbreviation (`_abbreviated`: "BiLSTM" for "bidirectional LSTM"); a hyphenated name is spelled when
    each of its parts is ("CNN-BiLSTM" by "a CNN and a BiLSTM"). Values with a unit ("5x", "2.7K") and
    generic acronyms are not names. `also_spelled` may accept more parts (`unspelled_question_names`)."""
    words = names_and_acronyms(cited_text)
    extra = also_spelled or (lambda _: False)
    unknown = set()
    for word in name_words(sentence):
        name = name_key(word)
        if len(name) < 2 or word[0].isdigit() or name in GENERIC_ACRONYMS or spelled_in(name, words):
            continue
        parts = [name_key(part) for part in word.split("-") if part]
        if all(p in GENERIC_ACRONYMS or spelled_in(p, words) or _abbreviated(p, words) or extra(p) for p in parts):
            continue
        unknown.add(name)
    return frozenset(unknown)


def _abbreviated(name: str, words: frozenset[str]) -> bool:
    """`name` is a word's first letters joined to another word ("bilstm" from "bidirectional LSTM")."""
    for cut in range(2, len(name) - 1):
        head, tail = name[:cut], name[cut:]
        if (tail in words and any(w.startswith(head) for w in words if w != tail)) or (
            head in words and any(w.startswith(tail) for w in words if w != head)
        ):
            return True
    return False


def subject_words(sentence: str, titles: list[str], other_text: str) -> frozenset[str]:
    """Words of `sentence` (4+ letters, no stopwords) taken from one of `titles` that `other_text` never
    uses: "The convergent learning study uses ..." is about the paper titled "Convergent Learning: ...",
    so a paper on block coordinate descent that never says "convergent" cannot be what it cites."""
    from_titles = frozenset().union(*(words_in(title) for title in titles))
    said = {w for w in words_in(sentence) & from_titles if len(w) >= 4 and w not in STOPWORDS_EN_PLUS}
    return frozenset(said) - words_in(other_text)


def names_of_another_paper(sentence: str, cited_text: str, other_texts: list[str]) -> frozenset[str]:
    """Names of `sentence` that `cited_text` never uses but one of `other_texts` does."""
    missing = names_in(sentence) - words_in(cited_text)
    if not missing:
        return frozenset()
    elsewhere = frozenset().union(*(words_in(t) for t in other_texts)) if other_texts else frozenset()
    return missing & elsewhere


_RUN_WORDS = 5  # a name may shorten at most this many consecutive content words ("CNN", "BiLSTM")


def _shortens_a_run(name: str, words: list[tuple[str, bool]]) -> bool:
    """`name` shortens consecutive content words of `words` (each marked when it continues a hyphenated
    word, which may be passed over: "Bi-Directional"): their initials ("cnn" for "convolutional neural
    network", "adni" for "Alzheimer's disease neuroimaging initiative"), or the first 2+ letters of one
    followed by the beginnings of up to `_RUN_WORDS` - 1 more ("vit" for "vision transformer", "resnet"
    for "residual network", "bilstm" for "bi-directional long-short term memory")."""

    def continues(rest: str, at: int, left: int, initials: bool) -> bool:
        if not rest:
            return True
        if left == 0 or at >= len(words):
            return False
        word, hyphenated = words[at]
        lengths = [1] if initials else range(len(word), 0, -1)
        if any(rest.startswith(word[:k]) and continues(rest[k:], at + 1, left - 1, initials) for k in lengths):
            return True
        return hyphenated and continues(rest, at + 1, left, initials)

    for at, (word, _) in enumerate(words[:-1]):
        if word[0] == name[0] and continues(name[1:], at + 1, len(name) - 1, True):
            return True
        for k in range(min(len(word), len(name) - 1), 1, -1):
            if name.startswith(word[:k]) and continues(name[k:], at + 1, _RUN_WORDS - 1, False):
                return True
    return False


def unspelled_question_names(question: str, texts: list[str]) -> list[str]:
    """The names of `question`, as written, that none of `texts` spells (`unknown_names`) or shortens
    (`_shortens_a_run`, also part by part: "CNN-BiLSTM" for "a convolutional neural network and a
    bidirectional LSTM"): "ADNI" in "How accurate is SGUQ on the ADNI cohort?" when no retrieved paper
    mentions ADNI. Numbers are not names."""
    joined = "\n".join(texts)
    lowered = joined.lower()
    sequence = [
        (match.group(), match.start() > 0 and lowered[match.start() - 1] == "-")
        for match in re.finditer(r"[0-9a-z]+", lowered)
        if match.group() not in STOPWORDS_EN_PLUS
    ]

    def shortened(part: str) -> bool:
        return not part or part.isdigit() or _shortens_a_run(part, sequence)

    unknown = {name for name in unknown_names(question, joined, shortened) if name[0].isalpha()}
    cited = _cited_as_authors_or_venues(question)
    named = {word for word in name_words(question) if name_key(word) in unknown} - cited
    return _as_written(question, named)


# How a question points at a paper by its authors, venue or lab ("Kaplan et al.", "the NeurIPS 2023
# paper", "OpenAI's scaling paper"), which abstracts do not state: such words name no asked thing.
_AUTHORS = re.compile(
    r"\b([A-Z][\w-]*)(?:\s+(?:and|&)\s+[A-Z][\w-]*)?\s+et\s+al\b|\b([A-Z][\w-]*)\s+and\s+([A-Z][\w-]*)'s?\b"
)
_VENUES = ("NeurIPS", "NIPS", "ICML", "ICLR", "CVPR", "ICCV", "ECCV", "ACL", "EMNLP", "NAACL", "AAAI", "IJCAI")
_MORE_VENUES = ("KDD", "arXiv", "Interspeech", "ICASSP", "SIGIR", "TPAMI", "JMLR", "TMLR", "MICCAI", "COLING")
_LABS = ("OpenAI", "DeepMind", "Google", "Meta", "Facebook", "Microsoft", "Anthropic", "NVIDIA", "Amazon", "IBM")
_MORE_LABS = ("Stanford", "Berkeley", "MIT", "CMU", "Tsinghua", "Alibaba", "Baidu", "Tencent", "Huawei", "Apple")
_VENUES_AND_LABS = frozenset(name_key(word) for word in _VENUES + _MORE_VENUES + _LABS + _MORE_LABS)


def _cited_as_authors_or_venues(question: str) -> set[str]:
    """The words of `question` that name a paper's authors ("Kaplan et al."), venue ("NeurIPS") or lab."""
    authors = {word for match in _AUTHORS.finditer(question) for word in match.groups() if word}
    venues = {word for word in name_words(question) if name_key(word) in _VENUES_AND_LABS}
    return authors | venues


def _as_written(question: str, words: set[str]) -> list[str]:
    """`words` in the order `question` has them, neighbours joined ("Indian Pines", not "Indian", "Pines")."""
    found = sorted(
        (m.start(), m.end()) for w in words for m in re.finditer(rf"(?<![\w-]){re.escape(w)}(?![\w-])", question)
    )
    runs: list[tuple[int, int]] = []
    for start, end in found:
        if runs and question[runs[-1][1] : start].isspace():
            runs[-1] = (runs[-1][0], end)
        elif not runs or start >= runs[-1][1]:
            runs.append((start, end))
    return list(dict.fromkeys(question[start:end] for start, end in runs))
