"""msmtp (msmtp(1) "CONFIGURATION FILES"): `/etc/msmtprc`, else root's `~/.msmtprc` or
`~/.config/msmtp/config`. One `command argument` a line, `#` comments, a `defaults` block,
`account NAME [: inherited, ...]`, `account default : NAME`; the default account is the one used."""

from __future__ import annotations

from alloy_tui.core.relays.aliases import carry_aliases
from alloy_tui.core.relays.files import Root, is_address, numbered, on, word_and_rest
from alloy_tui.core.relays.model import Relay, RelayReadError

FILES = ("/etc/msmtprc", "/root/.msmtprc", "/root/.config/msmtp/config")
KNOWN = {
    "host",
    "port",
    "tls",
    "tls_starttls",
    "tls_trust_file",
    "tls_certcheck",
    "tls_fingerprint",
    "tls_key_file",
    "tls_cert_file",
    "tls_crl_file",
    "tls_priorities",
    "tls_host_override",
    "tls_min_dh_prime_bits",
    "auth",
    "user",
    "password",
    "passwordeval",
    "from",
    "from_full_name",
    "allow_from_override",
    "set_from_header",
    "aliases",
    "logfile",
    "logfile_time_format",
    "syslog",
    "domain",
    "timeout",
    "protocol",
    "dsn_return",
    "dsn_notify",
    "add_missing_from_header",
    "add_missing_date_header",
    "remove_bcc_headers",
    "undisclosed_recipients",
    "auto_from",
    "maildomain",
    "proxy_host",
    "proxy_port",
    "socket",
    "source_ip",
    "ntlmdomain",
    "keepbcc",
    "envelope_from",
}

Entry = tuple[str, str, int]  # value, file, line


def read(root: Root) -> Relay | None:
    for file in FILES:
        relay = read_file(root, file)
        if relay is not None:
            return relay
    return None


def read_file(root: Root, file: str) -> Relay | None:
    """One msmtp configuration file (also a user's, for `audit`); None when it does not exist."""
    text = root.read(file)
    return None if text is None else _relay(root, file, text)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def _accounts(text: str, file: str) -> tuple[dict[str, dict[str, Entry]], list[str], list[str]]:
    defaults: dict[str, Entry] = {}
    accounts: dict[str, dict[str, Entry]] = {}
    order: list[str] = []
    notes: list[str] = []
    current: dict[str, Entry] | None = None
    for number, line in numbered(text):
        command, arg = word_and_rest(line)
        arg = _unquote(arg)
        if command == "defaults":
            current = defaults
        elif command == "account":
            name, colon, parents = arg.partition(":")
            name = name.strip()
            if not name:
                raise RelayReadError(file, number, "`account` needs a name")
            values = dict(defaults)
            for parent in (p.strip() for p in parents.split(",") if colon and p.strip()):
                if parent not in accounts:
                    raise RelayReadError(file, number, f"account {parent} is not defined above")
                values.update(accounts[parent])
            accounts[name] = values
            order.append(name)
            current = values
        elif command == "eval":
            notes.append(
                f"{file}:{number}: eval runs a command for its settings; not run, not carried"
            )
        elif command in KNOWN:
            if current is None:
                raise RelayReadError(
                    file, number, f"`{command}` before any `defaults` or `account`"
                )
            current[command] = (arg, file, number)
        else:  # a newer msmtp's command: said, not fatal
            notes.append(f"{file}:{number}: `{command}` is not known to alloy-tui; not carried")
    return accounts, order, notes


def _relay(root: Root, file: str, text: str) -> Relay:
    accounts, order, notes = _accounts(text, file)
    if not accounts:
        raise RelayReadError(file, 0, "defines no account")
    relay = Relay("msmtp", f"msmtp ({file})", files=[file])
    for text_note in notes:
        relay.note(text_note)
    name = "default" if "default" in accounts else order[0]
    values = accounts[name]
    relay.found(file, 0, f"account {name} is the one sendmail uses")
    _connection(relay, values, file, name)
    _credentials(relay, values, file)
    _sender_and_rest(relay, values, root)
    others = [n for n in order if n != name and accounts[n].get("host", ("",))[0] != relay.host]
    if others:
        relay.note(f"{file}: other accounts ({', '.join(others)}) are not carried")
    return relay


def _connection(relay: Relay, values: dict[str, Entry], file: str, name: str) -> None:
    host, host_file, host_line = values.get("host", ("", file, 0))
    if not host:
        raise RelayReadError(file, 0, f"account {name} has no host")
    relay.host = host
    relay.source("host", host_file, host_line)
    relay.found(host_file, host_line, f"sends through {host}")
    tls = on(values["tls"][0]) if "tls" in values else False
    starttls = on(values["tls_starttls"][0]) if "tls_starttls" in values else True
    relay.security = "none" if not tls else ("starttls" if starttls else "ssl")
    where = values.get("tls", ("", file, 0))
    relay.source("security", where[1], where[2])
    relay.found(where[1], where[2], f"security {relay.security}")
    if "port" in values:
        port, pf, pl = values["port"]
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise RelayReadError(pf, pl, f"port {port!r} is not a port number")
        relay.port = int(port)
        relay.source("port", pf, pl)
    else:
        relay.port = 465 if relay.security == "ssl" else 25


def _credentials(relay: Relay, values: dict[str, Entry], file: str) -> None:
    auth = values.get("auth", ("off", file, 0))[0].lower()
    if "user" in values:
        relay.user, uf, ul = values["user"]
        relay.source("user", uf, ul)
        relay.found(uf, ul, f"signs in as {relay.user}")
    if auth in ("xoauth2", "oauthbearer"):
        af, al = values["auth"][1:]
        relay.oauth = f"{af}:{al}: auth {auth}: the relay already signs in with OAuth tokens"
        relay.found(af, al, f"auth {auth} (OAuth tokens, not a password)")
    if "password" in values:
        relay.password, pf, pl = values["password"]
        relay.password_file = f"{pf}:{pl}"
        relay.found(pf, pl, f"password found in {pf}")
    if "passwordeval" in values:
        command, ef, el = values["passwordeval"]
        relay.found(ef, el, f"the password comes from a command: {command}")
        if relay.oauth:
            relay.note(f"{ef}:{el}: passwordeval gives OAuth tokens, not a password")
        else:
            relay.password_command = command
            relay.source("password_command", ef, el)


def _sender_and_rest(relay: Relay, values: dict[str, Entry], root: Root) -> None:
    if "from" in values:
        sender, ff, fl = values["from"]
        if is_address(sender) and "%" not in sender:
            relay.from_address = sender
            relay.source("from", ff, fl)
            relay.found(ff, fl, f"mail is sent from {sender}")
        else:
            relay.note(f"{ff}:{fl}: from {sender} (patterns are not carried)")
    for key in ("tls_trust_file", "tls_fingerprint", "tls_cert_file", "tls_certcheck"):
        if key in values:
            value, kf, kl = values[key]
            relay.note(
                f"{kf}:{kl}: {key} {value} (alloy-tui uses the system's trusted CAs, "
                "plus [network] ca_bundle)"
            )
    if "aliases" in values:
        carry_aliases(relay, root, values["aliases"][0])
