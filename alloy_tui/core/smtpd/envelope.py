"""The SMTP envelope's rules, as plain functions (no aiosmtpd, no I/O), so every door that
speaks SMTP applies the same ones (the listener, sendmail -bs):

- `split_path`: the reverse/forward path of MAIL FROM / RCPT TO per RFC 5321 4.1.2 (a quoted
  local part such as ``"john smith"@example.com`` kept exactly as sent; a source route dropped;
  a bare address without <> accepted as postfix does); PathError (501) when malformed, such as
  an unclosed ``<x@y``;
- `mail_params` / `rcpt_params`: SIZE, BODY, SMTPUTF8 and the DSN parameters (RET, ENVID,
  NOTIFY, ORCPT, RFC 3461: accepted and recorded, not acted on); anything else 555;
- `too_big`: the 552 that states the limit.
"""

from __future__ import annotations

import re

# RFC 5321 atext (plus UTF-8 when SMTPUTF8 is allowed: RFC 6531)
_ATEXT = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]+$")
_QTEXT = re.compile(r"^(?:[\x20\x21\x23-\x5b\x5d-\x7e\u0080-\U0010ffff]|\\[\x20-\x7e])*$")
_LABEL = re.compile(
    r"^[A-Za-z0-9\u0080-\U0010ffff](?:[A-Za-z0-9\-\u0080-\U0010ffff]*[A-Za-z0-9\u0080-\U0010ffff])?$"
)
_LITERAL = re.compile(r"^\[[\x21-\x5a\x5e-\x7e]+\]$")
_XTEXT = re.compile(r"^(?:[\x21-\x2a\x2c-\x3c\x3e-\x7e]|\+[0-9A-F]{2})*$")
_NOTIFY = {"NEVER", "SUCCESS", "FAILURE", "DELAY"}
DSN_MAIL = ("RET", "ENVID")
DSN_RCPT = ("NOTIFY", "ORCPT")


class PathError(ValueError):
    """A malformed path or parameter; str() is the whole SMTP reply."""


def too_big(limit: int) -> str:
    return f"552 5.3.4 Message size exceeds fixed maximum message size of {limit} bytes"


def headers_too_big(limit: int) -> str:
    return f"552 5.3.4 Message header exceeds fixed maximum header size of {limit} bytes"


def _bad(why: str) -> PathError:
    return PathError(f"501 5.1.3 Bad address syntax: {why}")


def split_path(text: str) -> tuple[str, str]:
    """(mailbox, parameter text) from what follows ``FROM:`` or ``TO:``. The mailbox is ""
    for the null path <>; PathError if the path is malformed."""
    s = text.strip()
    if not s:
        raise PathError("501 5.5.4 Syntax: an address in <> is needed")
    if not s.startswith("<"):  # a bare address: lenient, as postfix (strict_rfc821_envelopes=no)
        mailbox, _, rest = s.partition(" ")
        if "<" in mailbox or ">" in mailbox or '"' in mailbox:
            raise _bad("put the address in <>")
        check_mailbox(mailbox)
        return mailbox, rest.strip()
    i = _angle_end(s)
    inner, rest = s[1:i], s[i + 1 :]
    if rest and not rest[0].isspace():
        raise _bad("text right after the closing '>'")
    if inner.startswith("@"):  # a source route (@relay,@relay:mailbox): ignored, RFC 5321 C
        route, colon, inner = inner.partition(":")
        if not colon or not inner:
            raise _bad("a source route without a mailbox")
    if inner:
        check_mailbox(inner)
    return inner, rest.strip()


def _angle_end(s: str) -> int:
    """Where the '>' closing the path that starts at s[0] ('<') is (quoted strings skipped)."""
    i, quoted = 1, False
    while i < len(s):
        c = s[i]
        if quoted:
            if c == "\\":
                i += 2
                continue
            quoted = c != '"'
        elif c == '"':
            quoted = True
        elif c == ">":
            return i
        elif c == "<":
            raise _bad("a '<' inside the path")
        i += 1
    raise _bad("the path has no closing '>'")


def check_mailbox(mailbox: str) -> None:
    """Local-part ["@" domain] per RFC 5321 (UTF-8 allowed here; whether it may be used is the
    caller's SMTPUTF8 rule). A local name without a domain (``root``) is allowed: sendmail's
    rules map it."""
    if any(ord(c) < 32 or ord(c) == 127 for c in mailbox):
        raise _bad("a control character")
    if mailbox.startswith('"'):
        end = _closing_quote(mailbox)
        local, rest = mailbox[: end + 1], mailbox[end + 1 :]
        if not _QTEXT.match(local[1:-1]):
            raise _bad("a character not allowed in a quoted local part")
        if rest and not rest.startswith("@"):
            raise _bad("text after the quoted local part")
        domain = rest[1:] if rest else None
    else:
        local, at, domain_text = mailbox.rpartition("@")
        if not at:
            local, domain = mailbox, None
        else:
            domain = domain_text
        if not local or any(not _ATEXT.match(part) for part in local.split(".")):
            raise _bad(f"the local part {local!r} (quote it if it holds spaces or specials)")
    if domain is not None:
        if not domain:
            raise _bad("an empty domain after '@'")
        if not _LITERAL.match(domain) and not all(
            _LABEL.match(label) for label in domain.rstrip(".").split(".")
        ):
            raise _bad(f"the domain {domain!r}")
    if len(mailbox.encode("utf-8", "surrogateescape")) > 320:
        raise _bad("longer than 320 bytes")


def _closing_quote(text: str) -> int:
    i = 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i
        i += 1
    raise _bad("an unclosed quoted local part")


def _params(text: str) -> dict[str, str | bool]:
    """RFC 5321 esmtp-param list: KEYWORD or KEYWORD=value, keyword upper-cased, the value kept."""
    out: dict[str, str | bool] = {}
    for item in text.split():
        key, eq, value = item.partition("=")
        if not key.replace("-", "").isalnum() or (eq and not value):
            raise PathError(f"501 5.5.4 Syntax: bad parameter {item[:40]!r}")
        out[key.upper()] = value if eq else True
    return out


def mail_params(text: str, *, size_limit: int, utf8_offered: bool) -> dict[str, str | bool]:
    """MAIL FROM's parameters, checked: SIZE (552 over the limit), BODY, SMTPUTF8, RET, ENVID.
    PathError with the reply for anything wrong or unknown (555)."""
    params = _params(text)
    body = params.get("BODY", "7BIT")
    if not isinstance(body, str) or body.upper() not in ("7BIT", "8BITMIME"):
        raise PathError("501 5.5.4 BODY can only be 7BIT or 8BITMIME")
    if "SMTPUTF8" in params and (params["SMTPUTF8"] is not True or not utf8_offered):
        raise PathError("501 5.5.4 SMTPUTF8 takes no value")
    size = params.get("SIZE")
    if size is not None:
        if not isinstance(size, str) or not size.isdigit():
            raise PathError("501 5.5.4 SIZE needs a number of bytes")
        if int(size) > size_limit:
            raise PathError(too_big(size_limit))
    ret = params.get("RET")
    if ret is not None and (not isinstance(ret, str) or ret.upper() not in ("FULL", "HDRS")):
        raise PathError("501 5.5.4 RET can only be FULL or HDRS")
    envid = params.get("ENVID")
    if envid is not None and (not isinstance(envid, str) or not _XTEXT.match(envid)):
        raise PathError("501 5.5.4 ENVID must be xtext (RFC 3461)")
    unknown = set(params) - {"BODY", "SMTPUTF8", "SIZE", *DSN_MAIL}
    if unknown:
        raise PathError(f"555 5.5.4 MAIL FROM parameter {sorted(unknown)[0]} not recognized")
    return params


def rcpt_params(text: str) -> dict[str, str | bool]:
    """RCPT TO's parameters: NOTIFY and ORCPT (RFC 3461); anything else 555."""
    params = _params(text)
    notify = params.get("NOTIFY")
    if notify is not None:
        words = set(notify.upper().split(",")) if isinstance(notify, str) else set()
        if not words or not words <= _NOTIFY or ("NEVER" in words and len(words) > 1):
            raise PathError("501 5.5.4 NOTIFY is NEVER, or any of SUCCESS, FAILURE, DELAY")
    orcpt = params.get("ORCPT")
    if orcpt is not None:
        kind, semi, value = orcpt.partition(";") if isinstance(orcpt, str) else ("", "", "")
        if not semi or not kind or not _XTEXT.match(value):
            raise PathError("501 5.5.4 ORCPT is addr-type;xtext (RFC 3461)")
    unknown = set(params) - set(DSN_RCPT)
    if unknown:
        raise PathError(f"555 5.5.4 RCPT TO parameter {sorted(unknown)[0]} not recognized")
    return params


def dsn_details(
    mail: dict[str, str | bool], rcpts: list[tuple[str, dict[str, str | bool]]]
) -> dict[str, str]:
    """The DSN parameters as the message's details (recorded, not acted on): ``dsn_ret``,
    ``dsn_envid``, and ``dsn_notify`` / ``dsn_orcpt`` as "recipient=value; ..."."""
    out: dict[str, str] = {}
    for key in DSN_MAIL:
        value = mail.get(key)
        if isinstance(value, str):
            out[f"dsn_{key.lower()}"] = value.upper() if key == "RET" else value
    for key in DSN_RCPT:
        parts = []
        for rcpt, p in rcpts:
            value = p.get(key)
            if isinstance(value, str):
                parts.append(f"{rcpt}={value.upper() if key == 'NOTIFY' else value}")
        if parts:
            out[f"dsn_{key.lower()}"] = "; ".join(parts)
    return out
