"""Which details keys hold a secret: plain string tests that say exactly what the documented
rule says (the key's last word, after _ . or -, is a secret word, maybe plural, any case)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from alloy_tui.core.alertlog import redact
from alloy_tui.core.alertlog.fields import is_secret_key

# The rule as a regular expression: the reference the string tests are checked against.
RULE = re.compile(
    r"(?:^|[_.\-])(token|secret|password|passwd|pwd|passphrase|authorization|"
    r"api_?key|cookie|credentials?|assertion|code_verifier)s?$",
    re.IGNORECASE,
)
WORDS = ["token", "Secret", "PASSWORD", "passwd", "pwd", "passphrase", "authorization"]
WORDS += ["apikey", "api_key", "cookie", "credential", "credentials", "assertion"]
WORDS += ["code_verifier", "queue_id", "to", "key", "s", "id", "mytoken", "api"]
PIECES = st.sampled_from(WORDS) | st.text("abkstx_.-", max_size=4)


@given(st.lists(PIECES, min_size=1, max_size=4), st.sampled_from(["", "_", ".", "-", "x"]))
def test_the_string_tests_follow_the_rule(parts: list[str], sep: str) -> None:
    key = sep.join(parts)
    assert is_secret_key(key) == bool(RULE.search(key)), key


def test_secrets_are_redacted_by_key_and_others_kept() -> None:
    out = redact({"refresh_token": "abc", "smtp.password": "pw", "X-Api-Key": "k", "to": "a@b.c"})
    assert out == {
        "refresh_token": "[redacted]",
        "smtp.password": "[redacted]",
        "X-Api-Key": "k",  # "-Key" alone is not a secret word; "apikey" and "api_key" are
        "to": "a@b.c",
    }
    assert redact({"tenant_apikeys": "k"}) == {"tenant_apikeys": "[redacted]"}


# redact_text's cheap pre-tests must never skip a pattern that would have matched.
_JWT = re.compile(r"eyJ[A-Za-z0-9_\-]{6,}\.[A-Za-z0-9_\-]{6,}\.[A-Za-z0-9_\-]*")
_BEARER = re.compile(r"(?i)\b(bearer|basic|ntlm|negotiate)\s+[A-Za-z0-9\-._~+/]{16,}=*")
_OPAQUE = re.compile(r"^[A-Za-z0-9\-._~+/!*]{80,}=*$")


def reference_redact_text(text: str) -> str:
    from alloy_tui.core.errors import printable

    text = printable(text, multiline=True)
    if _OPAQUE.match(text) and not text.startswith(("/", "http")):
        return "[redacted]"
    text = _JWT.sub("[redacted]", text)
    return _BEARER.sub(lambda m: f"{m.group(1)} [redacted]", text)


TEXT_PARTS = st.sampled_from(
    [
        "Bearer ",
        "BASIC ",
        "ntlm ",
        "Negotiate\t",
        "eyJhbGciOi.",
        "abcdefgh.",
        "x" * 40,
        " ",
        "=",
        "/",
    ]
) | st.text("aZ09-._~+/!*= \t\nB", max_size=30)


@given(st.lists(TEXT_PARTS, max_size=8).map("".join))
def test_redact_text_matches_the_plain_regex_rules(text: str) -> None:
    from alloy_tui.core.alertlog.fields import redact_text

    assert redact_text(text) == reference_redact_text(text)
