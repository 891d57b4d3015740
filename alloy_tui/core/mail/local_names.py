"""Local recipients (root, a bare name, user@localhost, user@<this host>) to real addresses.

[sendmail.aliases] first, then [sendmail] admin; every address read from the config is checked
again here (a line break in an alias never reaches a header). Split from mime.py.
"""

from __future__ import annotations

import os
import re
import socket
from typing import TYPE_CHECKING

from alloy_tui.core.config import setting
from alloy_tui.core.errors import AlloyError, UserInputError
from alloy_tui.core.mail.addresses import LINE_BREAKS, parse_address

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings, Values

LOCAL_DOMAINS = ("localhost", "localhost.localdomain", "localdomain")
MAX_ALIAS_HOPS = 8
LOCAL_NAME_RE = re.compile(r"^[A-Za-z0-9._+-]{1,64}$")  # root, www-data, backup.user
LOCAL_PART_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$")
DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,61}[A-Za-z0-9]$"
)


class MessageRefused(AlloyError):
    """The message can't be queued; ``exit_code`` is the sysexits code for sendmail's caller."""

    def __init__(self, message: str, exit_code: int = os.EX_DATAERR, size_limit: int = 0) -> None:
        self.exit_code = exit_code
        self.size_limit = size_limit  # > 0: refused for its size; the limit in bytes (SMTP 552)
        super().__init__(message)


class Host:
    """This host's names, looked up once and only when a domain could be one of them."""

    def __init__(self) -> None:
        self.name = socket.gethostname().lower()
        self._fqdn: str | None = None

    @property
    def short(self) -> str:
        return self.name.split(".", 1)[0]

    def is_local(self, domain: str) -> bool:
        domain = domain.lower().rstrip(".")
        if not domain or domain in LOCAL_DOMAINS or domain in (self.name, self.short):
            return True
        if domain.split(".", 1)[0] != self.short:
            return False  # an FQDN starts with the short name: no DNS lookup for other domains
        if self._fqdn is None:
            self._fqdn = socket.getfqdn().lower()
        return domain == self._fqdn


class LocalNames:
    """Local names to real addresses: [sendmail.aliases] first, then [sendmail] admin."""

    def __init__(self, settings: Settings | Values, host: Host) -> None:
        self.aliases = {k.lower(): v for k, v in setting(settings, "sendmail.aliases").items()}
        self.admin = str(setting(settings, "sendmail.admin"))
        self.host = host

    def map(self, username: str, domain: str) -> list[str]:
        """The addresses for username@domain (itself when it is not local)."""
        name = username
        if not domain and not LOCAL_NAME_RE.match(name):
            raise MessageRefused(f"{name!r} is neither an address nor a local user name.")
        for _ in range(MAX_ALIAS_HOPS):
            if domain and not self.host.is_local(domain):
                return [_config_address(f"{name}@{domain}", "recipient")]
            target = self.aliases.get(name.lower())
            if target is None:
                return [self._admin(name)]
            addresses = _config_addresses(target, f"[sendmail.aliases] {name}")
            if len(addresses) != 1 or "@" not in addresses[0]:
                return addresses
            name, domain = addresses[0].rsplit("@", 1)
        raise MessageRefused(
            f"[sendmail.aliases] loops at {username!r}; make each alias an address.", os.EX_CONFIG
        )

    def _admin(self, name: str) -> str:
        if not self.admin:
            raise MessageRefused(
                f"mail for the local user {name!r} has no address to go to. Fix: set "
                '[sendmail] admin = "you@example.com" (or add it to [sendmail.aliases]) in the '
                "config, or run `alloy-tui` and fill in 'Local mail for this server'.",
                os.EX_NOUSER,
            )
        return _config_address(self.admin, "[sendmail] admin")


def checked_address(value: str, what: str) -> str:
    """One address, checked without loading email-validator (this runs for every cron job): an
    ASCII dot-atom local part and a host name with a dot; anything else (IDN, quoted local parts)
    goes through the full check. UserInputError if it is not an address."""
    if any(c in LINE_BREAKS for c in value):
        raise UserInputError(f"The {what} {value!r} contains a line break, which is never allowed.")
    v = value.strip(" \t")
    local, at, domain = v.rpartition("@")
    if v.isascii() and at and LOCAL_PART_RE.match(local) and DOMAIN_RE.match(domain):
        if not (local.startswith(".") or local.endswith(".") or ".." in local):
            return f"{local}@{domain.lower()}"
    return parse_address(value, what)


def _config_address(value: str, what: str) -> str:
    try:
        return checked_address(value, what)
    except UserInputError as e:
        code = os.EX_DATAERR if what == "recipient" else os.EX_CONFIG
        raise MessageRefused(str(e).rstrip("."), code) from None


def _config_addresses(value: str, what: str) -> list[str]:
    parts = [p for p in value.replace(";", ",").split(",") if p.strip()] or [value]
    return [_config_address(p, what) for p in parts]
