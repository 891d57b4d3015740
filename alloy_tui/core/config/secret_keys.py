"""Which names hold a secret: a details key in the alert log, a key in the config's parse.

    is_secret_key("refresh_token")         # True: its last word is a secret word
    is_secret_setting("alerts.webhook_url")  # True: a secret by what it is, not by its name

Used by the alert log's redaction (details keys) and by the parsed-config memo, which keeps no
secret (`parsed_cache`). Plain string tests, not a regex: every door writes an alert-log entry.
"""

from __future__ import annotations

# A key whose last word is one of these (or its plural) holds a secret, whatever its value
# looks like: "token", "refresh_token", "smtp.password", "X-Api-Key". Plain string tests, not a
# regex: an ignore-case alternation costs every door ~3 ms to compile.
_SECRET_WORDS = (
    "token",
    "secret",
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "authorization",
    "apikey",
    "api_key",
    "cookie",
    "credential",
    "credentials",
    "assertion",
    "code_verifier",
)
_SECRET_ENDINGS = frozenset((*_SECRET_WORDS, *(word + "s" for word in _SECRET_WORDS)))

# Settings that are secrets though their names say nothing: whoever has the webhook URL can
# post to the channel, and a password_command may hold the password itself ("echo ...").
SECRET_SETTINGS = frozenset(
    ("alerts.webhook_url", "smtp.password_command", "exchange_server.password_command")
)


def is_secret_key(key: str) -> bool:
    """The key itself, or what follows any "_", "." or "-" in it, is a secret word or its plural."""
    k = key.lower()
    if k in _SECRET_ENDINGS:
        return True
    return any(c in "_.-" and k[i + 1 :] in _SECRET_ENDINGS for i, c in enumerate(k))


def is_secret_setting(dotted: str) -> bool:
    """A config key ("section.key", or deeper) whose value is a secret: one of
    `SECRET_SETTINGS`, or a name `is_secret_key` matches (an unknown `[smtp] password`, say)."""
    return dotted in SECRET_SETTINGS or is_secret_key(dotted)
