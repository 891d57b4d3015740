"""Address and header validation, before any network traffic.

An address is one bare mailbox (``bob@example.com``): no display name, no list, no line breaks.
Syntax is checked by email-validator without DNS; special-use test domains (``.example``,
``.test``, ``.invalid``, ``.local``) are accepted because sandboxes and on-premises forests use them.
Every refusal is a `UserInputError` with one sentence that names the field and shows the value
with line breaks visible (``repr``).
"""

from __future__ import annotations

from collections.abc import Iterable

from alloy_tui.core.errors import UserInputError

# Everything str.splitlines() treats as a line break, plus NUL: none may reach a header.
LINE_BREAKS = frozenset("\r\n\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
MAX_HEADER_LENGTH = 998  # RFC 5322 line limit
MAX_ADDRESS_LENGTH = 254
# email-validator refuses these special-use TLDs; we accept them (sandbox, tests, AD forests).
ALLOWED_SPECIAL_TLDS = ("test", "invalid", "local")


def _show(value: str, limit: int = 80) -> str:
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 4] + "…" + shown[-1]


def _label(what: str) -> str:
    """ "recipient" -> "recipient address"; "From address" stays as it is."""
    return what if what.lower().endswith(("address", "addresses")) else f"{what} address"


def _fail(what: str, value: str, reason: str) -> UserInputError:
    return UserInputError(f"The {_label(what)} {_show(value)} {reason}.")


def parse_address(text: str, what: str = "recipient") -> str:
    """One bare e-mail address -> its normalised form (domain lower-cased), or UserInputError."""
    if not isinstance(text, str):
        raise UserInputError(f"The {_label(what)} must be text, got {type(text).__name__}.")
    if any(c in LINE_BREAKS for c in text):
        raise _fail(what, text, "contains a line break or NUL character, which is never allowed")
    value = text.strip(" \t")
    if not value:
        raise UserInputError(f"The {_label(what)} is empty; enter an address like bob@example.com.")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise _fail(what, text, "contains a control character")
    if value.startswith('"') and "<" not in value and ">" not in value:
        return _quoted(value, what, text)
    if "<" in value or ">" in value or '"' in value:
        raise _fail(
            what,
            text,
            "must be a bare address like bob@example.com, without a display name, quotes or <>",
        )
    if "," in value or ";" in value:
        raise _fail(what, text, "holds more than one address; give one address per field")
    if any(c.isspace() for c in value):
        raise _fail(what, text, "contains a space")
    if value.count("@") != 1:
        raise _fail(what, text, "must contain exactly one @, like bob@example.com")
    if len(value) > MAX_ADDRESS_LENGTH:
        raise _fail(what, text, f"is longer than {MAX_ADDRESS_LENGTH} characters")
    return _validate(value, what, text)


def _quoted(value: str, what: str, original: str) -> str:
    """A quoted local part (RFC 5321 4.1.2: ``"john smith"@example.com``), kept exactly as
    written; only the domain is checked and lower-cased."""
    i = 1
    while i < len(value) and value[i] != '"':
        i += 2 if value[i] == "\\" else 1
    local, rest = value[: i + 1], value[i + 1 :]
    if i >= len(value) or not rest.startswith("@") or len(local) < 3:
        raise _fail(what, original, "has a quoted local part that is not closed before the @")
    if any(c.isspace() and c != " " for c in local) or len(value) > MAX_ADDRESS_LENGTH:
        raise _fail(what, original, "is not valid: a quoted local part that can't be used")
    domain = _validate(f"x@{rest[1:]}", what, original).rsplit("@", 1)[1]
    return f"{local}@{domain}"


def _validate(value: str, what: str, original: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    local, domain = value.rsplit("@", 1)
    check_domain = domain
    tld = domain.rsplit(".", 1)[-1].lower() if "." in domain else ""
    if tld in ALLOWED_SPECIAL_TLDS:
        # Validate the syntax as if it were .example, then give back the real domain.
        check_domain = domain[: -len(tld)] + "example"
    try:
        result = validate_email(
            f"{local}@{check_domain}",
            check_deliverability=False,
            allow_display_name=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_empty_local=False,
        )
    except EmailNotValidError as e:
        reason = str(e).rstrip(".")
        reason = reason[0].lower() + reason[1:] if reason else "is not valid"
        raise _fail(what, original, f"is not valid: {reason}") from None
    normalized_domain = result.domain if check_domain == domain else domain.lower()
    return f"{result.local_part}@{normalized_domain}"


def parse_addresses(texts: Iterable[str] | str, what: str = "recipient") -> tuple[str, ...]:
    """Several addresses -> normalised tuple (order kept, duplicates dropped); at least one.

    Each item may itself hold a comma- or semicolon-separated list (``--to "a@x.com, b@x.com"``).
    """
    if isinstance(texts, str):
        texts = [texts]
    out: list[str] = []
    seen: set[str] = set()
    for item in texts:
        if not isinstance(item, str):
            raise UserInputError(f"The {_label(what)} must be text, got {type(item).__name__}.")
        if any(c in LINE_BREAKS for c in item):
            raise _fail(
                what, item, "contains a line break or NUL character, which is never allowed"
            )
        parts = [p for p in item.replace(";", ",").split(",")]
        if len(parts) > 1 and any(not p.strip() for p in parts):
            raise _fail(what, item, "has an empty entry in the list")
        for part in parts:
            if len(parts) > 1 or part.strip():
                address = parse_address(part, what)
                if address.lower() not in seen:
                    seen.add(address.lower())
                    out.append(address)
    if not out:
        raise UserInputError(f"At least one {_label(what)} is needed, like bob@example.com.")
    return tuple(out)


def check_header_text(text: str, what: str = "subject") -> str:
    """A header value (the subject): one line, no NUL, at most 998 characters. Returned unchanged."""
    if not isinstance(text, str):
        raise UserInputError(f"The {what} must be text, got {type(text).__name__}.")
    if any(c in LINE_BREAKS for c in text):
        raise UserInputError(
            f"The {what} {_show(text)} contains a line break or NUL character; it must be one line."
        )
    if any((ord(c) < 32 and c != "\t") or ord(c) == 127 for c in text):
        raise UserInputError(f"The {what} {_show(text)} contains a control character.")
    if len(text) > MAX_HEADER_LENGTH:
        raise UserInputError(
            f"The {what} is {len(text)} characters long; at most {MAX_HEADER_LENGTH} are allowed ({_show(text, 40)})."
        )
    return text
