"""Titles in every script key (and so deduplicate) by their own letters; Latin titles keep their ids."""

from __future__ import annotations

import hashlib
import json

from rag import config
from rag.dedup import deduplicate
from rag.ingestion import ingest
from rag.paper import Paper, normalize_title, paper_id_for
from rag.parsing import parse_file

# sha256 of "title<TAB>id" lines (sorted) of the 399 ASCII-titled bundled papers, computed with the
# ASCII-only normalize_title before it became Unicode-aware.
ASCII_TITLE_IDS_DIGEST = "041249ce3dfb34dd38fea4093f4bc68ae596186cf644b72b7994eb46bf681c20"
MU_P_TITLE = "A Proof of Learning Rate Transfer under $μ$P"
MU_P_OLD_ID = "a975f0f06fd8e1ff"  # keyed without the μ: "... under p"
EMPTY_ID = hashlib.sha1(b"").hexdigest()[:16]

NON_LATIN = {
    "基于深度学习的医学图像分割方法": "我们提出一种基于深度学习的医学图像分割方法，在三个数据集上取得了最好的结果。",
    "Нейронные сети для машинного перевода": "Мы предлагаем нейронную сеть для машинного перевода на пяти языках.",
    "Νευρωνικά δίκτυα για αναγνώριση ομιλίας": "Προτείνουμε νευρωνικά δίκτυα για αναγνώριση ομιλίας σε θόρυβο.",
    "α-Net: fast inference": "We present alpha-Net, a network for fast inference on mobile phones with small memory.",
    "β-Net: fast inference": "We present beta-Net, a network for fast inference on embedded boards with tiny memory.",
    "日本語の論文タイトル": "本論文では、日本語の文書分類のための新しい手法を提案し、その有効性を示す。",
}


def _bundled_records() -> list[Paper]:
    return [p for f in config.bundled_corpus_files() for p in parse_file(f)]


def test_ids_of_the_bundled_latin_titles_are_unchanged():
    records = _bundled_records()
    pairs = sorted({(p.title, p.paper_id) for p in records if p.title.isascii()})
    assert len(pairs) == 399
    digest = hashlib.sha256("\n".join(f"{t}\t{i}" for t, i in pairs).encode()).hexdigest()
    assert digest == ASCII_TITLE_IDS_DIGEST
    assert len(deduplicate(records)) == 400
    # The one bundled title with a non-Latin letter is the one whose old key had lost it.
    non_ascii = {p.title for p in records if not p.title.isascii()}
    assert non_ascii == {MU_P_TITLE}
    assert normalize_title(MU_P_TITLE) == "a proof of learning rate transfer under μ p"
    assert paper_id_for(MU_P_TITLE) != MU_P_OLD_ID


def test_accented_latin_titles_key_as_before():
    assert normalize_title("Café Naïve-Bayes: the  ÉCOLE") == "cafe naive bayes the ecole"
    assert normalize_title("Deep_Learning (v2.0)") == "deep learning v2 0"


def test_titles_in_several_scripts_stay_distinct():
    keys = {normalize_title(t) for t in NON_LATIN}
    ids = {paper_id_for(t) for t in NON_LATIN}
    assert len(keys) == len(ids) == len(NON_LATIN)
    assert EMPTY_ID not in ids
    assert paper_id_for("🚀🔥") != EMPTY_ID  # no letters at all still keys on something


def test_case_and_width_variants_of_any_script_still_merge():
    assert normalize_title("НЕЙРОННЫЕ СЕТИ") == normalize_title("нейронные сети")
    assert normalize_title("ΣΟΦΙΑΣ") == normalize_title("σοφιας")  # final sigma casefolds to σ
    assert normalize_title("ＢＥＲＴ ｆｏｒ Ｃｈｉｎｅｓｅ") == normalize_title("BERT for Chinese")
    assert normalize_title("Straße") == normalize_title("STRASSE")


def test_ingest_keeps_every_non_latin_paper(tmp_path):
    corpus = tmp_path / "scripts.jsonl"
    lines = [json.dumps({"title": t, "abstract": a}, ensure_ascii=False) for t, a in NON_LATIN.items()]
    lines.append(json.dumps({"title": "НЕЙРОННЫЕ СЕТИ ДЛЯ МАШИННОГО ПЕРЕВОДА", "abstract": "Дубликат: та же статья."}))
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = ingest([corpus], tmp_path / "index")
    assert report.papers == len(NON_LATIN)  # the upper-case copy merged, nothing else did
