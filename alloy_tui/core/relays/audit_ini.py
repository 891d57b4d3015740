"""`audit`'s readers for INI-style configs: Grafana (`grafana.ini` `[smtp]`: `enabled`, `host =
host:port`, `user`, `password`, which may be wrapped in triple quotes) and Gitea/Forgejo
(`app.ini` `[mailer]`: `ENABLED`, `PROTOCOL`, `SMTP_ADDR`, `SMTP_PORT`, older `HOST = host:port`,
`USER`, `PASSWD`). `;` and `#` start comment lines."""

from __future__ import annotations

from collections.abc import Callable

from alloy_tui.core.relays.audit_model import LISTENER, AuditFinding, split_host
from alloy_tui.core.relays.files import Root

GRAFANA = (
    "/etc/grafana/grafana.ini",
    "/etc/grafana/custom.ini",
    "/usr/share/grafana/conf/custom.ini",
)
GITEA = (
    "/etc/gitea/app.ini",
    "/etc/forgejo/app.ini",
    "/var/lib/gitea/custom/conf/app.ini",
    "/var/lib/forgejo/custom/conf/app.ini",
)

Keys = dict[str, tuple[str, int]]


def ini_section(text: str, wanted: str) -> Keys:
    """One section's keys (lower case) -> (value, line)."""
    section = ""
    values: Keys = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip().lower()
        elif section == wanted and "=" in line:
            key, _, value = line.partition("=")
            value = value.strip()
            if value.startswith('"""') and value.endswith('"""') and len(value) >= 6:
                value = value[3:-3]
            elif len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'`":
                value = value[1:-1]
            values[key.strip().lower()] = (value, number)
    return values


def grafana(root: Root) -> list[AuditFinding]:
    out = []
    for file in GRAFANA:
        text = root.read(file)
        if text is None:
            continue
        values = ini_section(text, "smtp")
        host, line = values.get("host", ("", 0))
        if not host or values.get("enabled", ("false", 0))[0].lower() != "true":
            continue  # Grafana sends no mail unless [smtp] enabled = true
        name, port = split_host(host, 25)
        out.append(
            AuditFinding(
                "grafana",
                file,
                line,
                "[smtp] host",
                name,
                port,
                bool(values.get("password", ("", 0))[0]),
                f"[smtp] host = {LISTENER}; remove user and password",
            )
        )
    return out


def gitea(root: Root) -> list[AuditFinding]:
    out = []
    for file in GITEA:
        text = root.read(file)
        if text is None:
            continue
        values = ini_section(text, "mailer")
        if values.get("enabled", ("false", 0))[0].lower() != "true":
            continue
        protocol = values.get("protocol", ("", 0))[0].lower()
        if protocol and not protocol.startswith("smtp"):
            continue  # sendmail or a dummy: no password
        default = 465 if protocol == "smtps" else 587
        if "smtp_addr" in values:
            host, line = values["smtp_addr"]
            port_text = values.get("smtp_port", ("", 0))[0]
            port = int(port_text) if port_text.isdigit() else default
            key = "[mailer] SMTP_ADDR"
        elif "host" in values:
            value, line = values["host"]
            host, port = split_host(value, default)
            key = "[mailer] HOST"
        else:
            continue
        out.append(
            AuditFinding(
                "gitea",
                file,
                line,
                key,
                host,
                port,
                bool(values.get("passwd", ("", 0))[0]),
                "[mailer] PROTOCOL = smtp, SMTP_ADDR = 127.0.0.1, SMTP_PORT = 2525; "
                "remove USER and PASSWD (or PROTOCOL = sendmail: alloy-tui is sendmail after "
                "takeover --switch)",
            )
        )
    return out


READERS: tuple[Callable[[Root], list[AuditFinding]], ...] = (grafana, gitea)
