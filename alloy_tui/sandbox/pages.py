"""The sandbox's own sign-in page (its verification_uri) and a plain index page.

Plain HTML, no script: works in a text browser and with curl, e.g.
``curl --cacert ca.pem -d code=ABCD-EFGH -d account=alerts@contoso.example -d action=approve URL``.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from alloy_tui.sandbox import entra
from alloy_tui.sandbox.wire import Request, Response, html_response, text_response

if TYPE_CHECKING:
    from alloy_tui.sandbox.server import Sandbox

PATH = "/devicelogin"

STYLE = (
    "body{font-family:sans-serif;max-width:40em;margin:2em auto}label{display:block;margin:.6em 0}"
)


def page(title: str, content: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>{content}</body></html>\n"
    )


def form(sandbox: Sandbox, code: str = "", problem: str = "") -> str:
    options = "".join(
        f"<option value='{escape(addr)}'{' selected' if addr == sandbox.auto_approve_account else ''}>"
        f"{escape(name)} &lt;{escape(addr)}&gt;</option>"
        for addr, name in sorted(sandbox.state.mailboxes.items())
    )
    warn = f"<p><strong>{escape(problem)}</strong></p>" if problem else ""
    return page(
        "Alloy sandbox sign-in",
        f"{warn}<p>This is the local sandbox's stand-in for Microsoft's device login page. "
        "Nothing here talks to Microsoft.</p>"
        f"<form method='post' action='{PATH}'>"
        f"<label>Code <input name='code' value='{escape(code)}' autocomplete='off'></label>"
        f"<label>Sign in as <select name='account'>{options}</select></label>"
        "<button type='submit' name='action' value='approve'>Approve</button> "
        "<button type='submit' name='action' value='decline'>Decline</button>"
        "</form>",
    )


def handle(sandbox: Sandbox, req: Request) -> Response:
    if req.method == "GET":
        return html_response(200, form(sandbox, req.query.get("code", "")))
    if req.method != "POST":
        return Response(405, b"", "", {"Allow": "GET, POST"})
    data = req.form()
    code = data.get("code", "").strip()
    account = (data.get("account") or sandbox.auto_approve_account).strip().lower()
    action = data.get("action", "approve").lower()
    if action not in ("approve", "decline"):
        return html_response(
            400, form(sandbox, code, f"Unknown action {action!r}: use approve or decline.")
        )
    problem = entra.approve(sandbox, code, account, decline=action == "decline")
    if problem:
        return html_response(400, form(sandbox, code, problem))
    if action == "decline":
        return html_response(
            200,
            page("Sign-in declined", "<p>You declined the sign-in. You can close this page.</p>"),
        )
    return html_response(
        200,
        page(
            "Signed in",
            f"<p>You have signed in as {escape(sandbox.state.display_name(account))} "
            f"({escape(account)}) on the Alloy sandbox. You can close this page and return to the "
            "application.</p>",
        ),
    )


def index(sandbox: Sandbox) -> Response:
    return text_response(200, sandbox.describe() + "\n")
