"""Any failure -> an Explanation an admin can act on (title, plain-English cause, exact fix).

`explain()` dispatches by type; the specialists live in explain_aad / explain_graph / explain_ews /
explain_network (and explain_smtp, owned by the SMTP transport). Nothing heavy is imported here:
msal, httpx, requests and exchangelib exceptions are recognised by class name and module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from alloy_tui.core.errors import AlloyError, ExplainedError, Explanation, UserInputError
from alloy_tui.core.explain.common import (
    ExplainContext,
    class_names,
    exception_chain,
    first_line,
    redact,
)
from alloy_tui.core.explain.entra import aad_code, explain_aad, explain_msal_value_error
from alloy_tui.core.explain.ews import ews_retirement_warning as _ews_retirement_warning
from alloy_tui.core.explain.ews import explain_ews, is_exchangelib_error
from alloy_tui.core.explain.graph import explain_graph, send_on_behalf_fix
from alloy_tui.core.explain.network import explain_network, is_network_error

__all__ = [
    "ExplainContext",
    "aad_code",
    "explain",
    "explain_aad",
    "explain_ews",
    "explain_graph",
    "explain_msal_value_error",
    "explain_network",
    "ews_retirement_warning",
    "explained_error",
    "redact",
    "send_on_behalf_fix",
]


def ews_retirement_warning(today: date | None = None, *, client_id: str = "") -> Explanation:
    """Exchange Online blocks EWS from 1 Oct 2026 unless allow-listed, and ends it on 1 Apr 2027."""
    return _ews_retirement_warning(today, client_id=client_id)


def explained_error(exc: BaseException | Mapping[str, Any], ctx: ExplainContext) -> ExplainedError:
    """`explain()` wrapped in an ExplainedError, ready to raise (``raise explained_error(e, ctx) from e``)."""
    if isinstance(exc, ExplainedError):
        return exc
    return ExplainedError(explain(exc, ctx))


def explain(exc: BaseException | Mapping[str, Any], ctx: ExplainContext) -> Explanation:
    """Dispatch any failure to the right explainer; unknown ones get a generic, redacted explanation."""
    if isinstance(exc, Mapping):
        return explain_aad(exc, ctx)
    if isinstance(exc, ExplainedError | UserInputError):
        return _ours(exc)
    names = class_names(exc)
    module = type(exc).__module__
    if _is_smtp(exc):
        return _explain_smtp(exc, ctx)
    if module.startswith("msal") or names & {"msal.exceptions.MsalError"}:
        return _explain_msal(exc, ctx)
    if isinstance(exc, ValueError):
        explained = explain_msal_value_error(exc, ctx)
        if explained is not None:
            return explained
    if is_exchangelib_error(exc):
        return explain_ews(exc, ctx)
    if "httpx.HTTPStatusError" in names:
        return _explain_http_status(exc, ctx)
    if is_network_error(exc):
        return explain_network(exc, ctx)
    if isinstance(exc, AlloyError):
        return _explain_alloy(exc)
    if isinstance(exc, PermissionError | FileNotFoundError | IsADirectoryError):
        return _explain_file(exc)
    return _generic(exc)


def _ours(exc: ExplainedError | UserInputError) -> Explanation:
    if isinstance(exc, ExplainedError):
        return exc.explanation
    return Explanation(
        "Invalid input",
        redact(str(exc)) or "A value that was entered is not valid.",
        "Correct the value and try again.",
        code="input",
        verdict="message",
    )


def _is_smtp(exc: BaseException) -> bool:
    return any(cls.__module__ == "smtplib" for cls in type(exc).__mro__)


def _explain_smtp(exc: BaseException, ctx: ExplainContext) -> Explanation:
    explain_smtp: Callable[[BaseException, ExplainContext], Explanation] | None
    try:
        from alloy_tui.core.explain.smtp import explain_smtp
    except ImportError:
        explain_smtp = None
    if explain_smtp is not None:
        return explain_smtp(exc, ctx)
    code = getattr(exc, "smtp_code", None)
    said = getattr(exc, "smtp_error", b"")
    if isinstance(said, bytes):
        said = said.decode("utf-8", "replace")
    said = first_line(str(said or exc))
    return Explanation(
        f"SMTP server refused ({code})" if code else "SMTP error",
        f"The SMTP server {ctx.host or ''} answered: {said or type(exc).__name__}".replace(
            "  ", " "
        ),
        "Check [smtp] host, port, security and the username/password source (`alloy-tui config show`), then "
        "run `alloy-tui test-send` again.",
        code=f"smtp.{code}" if code else "smtp",
        retryable=bool(code and 400 <= int(code) < 500),
        details={"error_type": type(exc).__name__},
    )  # no verdict: the outbox's policy decides from the reply code


def _explain_msal(exc: BaseException, ctx: ExplainContext) -> Explanation:
    names = class_names(exc)
    # A 5xx from /token raises MsalServiceError (no error dict is returned); it carries
    # error/error_description in private attributes.
    error = str(getattr(exc, "_error", "") or getattr(exc, "error", "") or "")
    desc = str(
        getattr(exc, "_error_description", "") or getattr(exc, "error_description", "") or ""
    )
    if error or "AADSTS" in desc:
        result = {"error": error, "error_description": desc}
        explanation = explain_aad(result, ctx)
        if "MsalServiceError" in names:  # raised for a 5xx from the token endpoint: worth a retry
            explanation.retryable = True
            explanation.verdict = "service"
        return explanation
    if is_network_error(exc):
        return explain_network(exc, ctx)
    return Explanation(
        "Microsoft sign-in failed",
        f"The sign-in library reported: {first_line(str(exc)) or type(exc).__name__}",
        "Try again in a few minutes; if it persists run `alloy-tui login` and check the alert log entry.",
        code="msal",
        retryable=True,
        details={"error_type": type(exc).__name__},
        verdict="service",
    )


def _explain_http_status(exc: BaseException, ctx: ExplainContext) -> Explanation:
    response = getattr(exc, "response", None)
    status = int(getattr(response, "status_code", 0) or 0)
    headers = getattr(response, "headers", {}) or {}
    body: Mapping[str, Any] | None
    try:
        parsed = response.json() if response is not None else None
        body = parsed if isinstance(parsed, Mapping) else None
    except Exception:  # noqa: BLE001 - not JSON
        body = None
    return explain_graph(status, body, headers, ctx)


def _explain_alloy(exc: AlloyError) -> Explanation:
    name = type(exc).__name__
    text = redact(str(exc))
    if name in ("ConfigError", "ConfigChangedError", "SettingsError"):
        return Explanation(
            "Configuration problem",
            text or "The configuration file has a problem.",
            "Fix the line named above in the config file (`alloy-tui config path` shows where it is, "
            "`alloy-tui config validate` checks it), or rerun the wizard.",
            code="config",
            verdict="settings",
        )
    if name == "SignInCancelled":
        return Explanation(
            "Sign-in cancelled",
            "The sign-in was cancelled before it completed.",
            "Run `alloy-tui login` to start again.",
            code="cancelled",
            verdict="service",
        )
    return Explanation(
        _title_from_name(name),
        text or name,
        "See the alert log entry for details.",
        code=name,
        verdict="service",
    )


def _explain_file(exc: OSError) -> Explanation:
    path = getattr(exc, "filename", "") or ""
    if isinstance(exc, PermissionError):
        return Explanation(
            "Permission denied",
            f"alloy-tui may not read or write {path or 'a file it needs'}.",
            f"Run alloy-tui as the user that owns {path or 'the file'}, or fix its permissions (`ls -l {path}`).",
            code="file.permission",
            verdict="settings",
        )
    return Explanation(
        "File not found" if isinstance(exc, FileNotFoundError) else "Not a file",
        f"{path or 'A file alloy-tui needs'} does not exist or is not a regular file.",
        "Check the path in the config (`alloy-tui config show`), e.g. [network] ca_bundle.",
        code="file.missing",
        verdict="settings",
    )


def _title_from_name(name: str) -> str:
    words: list[str] = []
    current = ""
    for ch in name.removesuffix("Error"):
        if ch.isupper() and current:
            words.append(current)
            current = ch
        else:
            current += ch
    if current:
        words.append(current)
    return " ".join(words).capitalize() or "Error"


def _generic(exc: BaseException) -> Explanation:
    name = type(exc).__name__
    line = first_line(str(exc))
    if not line:
        for inner in exception_chain(exc):
            if inner is not exc and first_line(str(inner)):
                line = f"{type(inner).__name__}: {first_line(str(inner))}"
                break
    return Explanation(
        f"Unexpected error ({name})",
        line or f"alloy-tui hit an unexpected {name}.",
        "See the alert log entry (`alloy-tui log -n 5`) for details; if it repeats, report it with that entry.",
        code=f"unexpected.{name}",
        details={"error_type": name},
        verdict="service",  # unknown: the message waits (never lost to a guess)
    )
