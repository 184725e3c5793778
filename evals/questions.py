"""Load and validate question files (`{"qid", "type", "question", "history", "gold_titles", "answer_any"}`)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from rag.answer_types import Turn
from rag.errors import RagError

QuestionType = Literal["lookup", "numeric", "multi", "unanswerable", "followup"]


class Question(BaseModel):
    qid: str
    type: QuestionType
    question: str = Field(min_length=1)
    history: list[Turn] = Field(default_factory=list)
    gold_titles: list[str] = Field(default_factory=list)
    answer_any: list[list[str]] = Field(default_factory=list)
    split: Literal["tune", "test"] | None = None

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"

    @property
    def split_name(self) -> Literal["tune", "test"]:
        """The file's own split, else a fixed one from the qid's hash (about half each)."""
        if self.split is not None:
            return self.split
        return "tune" if int(hashlib.sha1(self.qid.encode()).hexdigest(), 16) % 2 == 0 else "test"


def in_split(questions: list[Question], split: str) -> list[Question]:
    """The questions of `split` (`tune`, `test` or `all`)."""
    return [q for q in questions if split == "all" or q.split_name == split]


class QuestionFileError(RagError, ValueError):
    pass


def load_questions(path: str | Path) -> list[Question]:
    """All questions of a JSONL file; every bad line is reported, with its number, in one error."""
    path = Path(path)
    questions: list[Question] = []
    problems: list[str] = []
    seen: set[str] = set()
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            question = Question.model_validate(json.loads(line))
        except json.JSONDecodeError as err:
            problems.append(f"{path}:{no}: invalid JSON ({err.msg})")
            continue
        except ValidationError as err:
            details = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
            problems.append(f"{path}:{no}: {details}")
            continue
        if question.qid in seen:
            problems.append(f"{path}:{no}: duplicate qid {question.qid!r}")
        if question.answerable and not question.gold_titles:
            problems.append(f"{path}:{no}: answerable question without gold_titles")
        seen.add(question.qid)
        questions.append(question)
    if problems:
        raise QuestionFileError("bad question file:\n" + "\n".join(problems))
    return questions
