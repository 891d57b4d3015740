"""How a thread worker's failure reaches a step: one Explanation, made by core.explain."""

from __future__ import annotations

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import ExplainedError, Explanation, UserInputError
from alloy_tui.ui.workers import explain_failure

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGVydHMifQ.c2lnbmF0dXJlLXBhcnQtb25l"


def test_an_unexpected_error_is_explained_without_its_secrets() -> None:
    ex = explain_failure(RuntimeError(f"token {JWT} refused"), Settings())
    assert ex.title == "Unexpected error (RuntimeError)"
    assert JWT not in ex.cause + ex.fix and "refused" in ex.cause
    assert "alert log" in ex.fix


def test_a_refused_value_gets_the_screens_own_title_and_fix() -> None:
    ex = explain_failure(
        UserInputError("tenant must be a GUID"),
        Settings(),
        input_title="Cannot start the sign-in",
        input_fix="Press Esc to correct it.",
    )
    assert (ex.title, ex.cause, ex.fix) == (
        "Cannot start the sign-in",
        "tenant must be a GUID",
        "Press Esc to correct it.",
    )


def test_an_explained_error_keeps_its_explanation() -> None:
    original = Explanation(
        "Public client flows are turned off", "cause", "fix", code="AADSTS7000218"
    )
    ex = explain_failure(ExplainedError(original), Settings(), input_title="not used")
    assert ex == original
