"""No token, refresh token or device code in anybody's log, even with logging at DEBUG.

Libraries we drive log secrets at DEBUG: msal's token cache logs each token response with the
device code in it, requests-oauthlib logs the Authorization header, exchangelib logs request
headers and SOAP bodies, httpcore logs response headers. alloy-tui never turns logging on, but a
host program (or a user's `logging.basicConfig(level=logging.DEBUG)`) might. `guard_loggers()`
holds those loggers (and any child logger already given its own lower level) at WARNING, so such
records are never created. It runs before any of them first talks to the network: from
`net.http_client`, `net.register_requests_host` and the sign-in.
httpx and urllib3 stay as they are: they log the method, URL and status only.
"""

from __future__ import annotations

import logging

# Logger names whose DEBUG/INFO records can carry a token, a device code or credentials.
TOKEN_BEARING = (
    "msal",
    "msal_extensions",
    "oauthlib",
    "requests_oauthlib",
    "exchangelib",
    "httpcore",
    "spnego",
    "ntlm_auth",
)


def guard_loggers() -> None:
    """Idempotent and cheap; safe to call often (a host may change levels in between)."""
    for name in TOKEN_BEARING:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:  # NOTSET (0) too: an inherited DEBUG is refused
            logger.setLevel(logging.WARNING)
    for name, child in list(logging.root.manager.loggerDict.items()):
        if (
            isinstance(child, logging.Logger)
            and name.startswith(tuple(f"{n}." for n in TOKEN_BEARING))
            and logging.NOTSET < child.level < logging.WARNING
        ):
            child.setLevel(logging.WARNING)
