"""Answer values: how each kind of answer is stored, shown and exported.

Stored as JSON: yes_no true/false; one_of the option; several_of a list of options; number a
decimal string ("12.5"); date "YYYY-MM-DD"; text the text; file answers hold no value (their
files are the answer). None is "not answered".
"""

from collections.abc import Iterable

from .models import Answer, AnswerKind


def display(kind: str, value) -> str:
    """The answer as a person reads it (mails, exports, evidence excerpts)."""
    if value is None or value == "" or value == []:
        return ""
    if kind == AnswerKind.YES_NO:
        return "Yes" if value is True else "No"
    if kind == AnswerKind.SEVERAL_OF:
        return "; ".join(str(v) for v in value)
    return str(value)


def with_unit(answer: Answer) -> str:
    text = display(answer.question.kind, answer.value)
    if text and answer.question.kind == AnswerKind.NUMBER and answer.question.unit:
        return f"{text} {answer.question.unit}"
    return text


def is_answered(answer: Answer, file_count: int) -> bool:
    if answer.question.kind == AnswerKind.FILE:
        return file_count > 0
    return answer.value not in (None, "", [])


def files_line(files: Iterable) -> str:
    return "; ".join(f"{f.original_name} ({f.size} bytes, SHA-256 {f.sha256})" for f in files)
