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
