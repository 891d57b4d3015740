"""`audit`'s readers for web apps' `.env` files under /var/www and /srv (`MAIL_HOST`,
`MAIL_USERNAME`, `MAIL_PASSWORD`: Laravel and others), Jenkins (`hudson.tasks.Mailer.xml`) and
Proxmox VE (`/etc/pve/notifications.cfg`, its passwords in `/etc/pve/priv/notifications.cfg`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from alloy_tui.core.relays.audit_model import AuditFinding
from alloy_tui.core.relays.files import Root, numbered, word_and_rest
from alloy_tui.core.relays.model import RelayReadError

WEB_ROOTS = ("/var/www", "/srv")
MAX_DEPTH = 4  # /var/www/<site>/<release>/.env at most; deeper trees are not walked
MAX_FILES = 500
JENKINS = (
    "/var/lib/jenkins/hudson.tasks.Mailer.xml",
    "/var/lib/jenkins/hudson.plugins.emailext.ExtendedEmailPublisher.xml",
)
PROXMOX = "/etc/pve/notifications.cfg"
PROXMOX_PRIV = "/etc/pve/priv/notifications.cfg"


def _env_files(root: Root) -> list[str]:
    out: list[str] = []
    for top in WEB_ROOTS:
        base = root.real(top)
        for folder, dirs, files in os.walk(base):
            depth = len(os.path.relpath(folder, base).split(os.sep))
            dirs[:] = sorted(
                d for d in dirs if d not in ("node_modules", "vendor", ".git") and depth < MAX_DEPTH
            )
            if ".env" in files:
                out.append(root.shown(Path(folder) / ".env"))
            if len(out) >= MAX_FILES:
                return out
    return out


def env_files(root: Root) -> list[AuditFinding]:
    out = []
    for file in _env_files(root):
        text = root.read(file)
        if text is None:
            continue
        values: dict[str, tuple[str, int]] = {}
        for number, entry in numbered(text):
            key, eq, value = entry.removeprefix("export ").partition("=")
            if eq:
                values[key.strip()] = (value.strip().strip("'\""), number)
        host, line = values.get("MAIL_HOST", ("", 0))
        mailer = values.get("MAIL_MAILER", values.get("MAIL_DRIVER", ("smtp", 0)))[0].lower()
        if not host or mailer not in ("smtp", ""):
            continue
        port = values.get("MAIL_PORT", ("25", 0))[0]
        password = values.get("MAIL_PASSWORD", ("", 0))[0] not in ("", "null")
        out.append(
            AuditFinding(
                "web app (.env)",
                file,
                line,
                "MAIL_HOST",
                host,
                int(port) if port.isdigit() else 25,
                password,
                "MAIL_HOST=127.0.0.1 MAIL_PORT=2525 MAIL_USERNAME=null MAIL_PASSWORD=null "
                "MAIL_ENCRYPTION=null (then clear the app's config cache)",
            )
        )
    return out


def jenkins(root: Root) -> list[AuditFinding]:
    import xml.etree.ElementTree as ET  # noqa: N817 - the usual name

    out = []
    for file in JENKINS:
        text = root.read(file)
        if text is None:
            continue
        if "<!DOCTYPE" in text or "<!ENTITY" in text:
            raise RelayReadError(file, 0, "has a DOCTYPE; alloy-tui reads no XML entities")
        try:
            tree = ET.fromstring(text.encode())
        except ET.ParseError as e:
            raise RelayReadError(file, e.position[0], "is not well-formed XML") from None
        host = (tree.findtext(".//smtpHost") or tree.findtext(".//smtpServer") or "").strip()
        if not host:
            continue
        port = (tree.findtext(".//smtpPort") or "25").strip()
        password = bool(
            (tree.findtext(".//smtpAuthPassword") or tree.findtext(".//password") or "").strip()
        )
        line = next(
            (
                n
                for n, raw in enumerate(text.splitlines(), 1)
                if "<smtpHost>" in raw or "<smtpServer>" in raw
            ),
            0,
        )
        out.append(
            AuditFinding(
                "jenkins",
                file,
                line,
                "smtpHost",
                host,
                int(port) if port.isdigit() else 25,
                password,
                "Manage Jenkins > System > E-mail Notification: SMTP server 127.0.0.1, port 2525, "
                "no SMTP authentication, no SSL/TLS",
            )
        )
    return out


def proxmox(root: Root) -> list[AuditFinding]:
    text = root.read(PROXMOX)
    if text is None:
        return []
    passwords = _proxmox_sections(root.read(PROXMOX_PRIV) or "", PROXMOX_PRIV)
    out = []
    for name, (line, values) in _proxmox_sections(text, PROXMOX).items():
        if not name.startswith("smtp:"):
            continue
        server = values.get("server", "")
        if not server:
            continue
        port = values.get("port", "")
        mode = values.get("mode", "tls")
        default = 465 if mode == "tls" else (587 if mode == "starttls" else 25)
        password = bool(passwords.get(name, (0, {}))[1].get("password"))
        out.append(
            AuditFinding(
                "proxmox",
                PROXMOX,
                line,
                f"{name} server",
                server,
                int(port) if port.isdigit() else default,
                password,
                f"Datacenter > Notifications > {name.split(':', 1)[1].strip()}: server 127.0.0.1, "
                "port 2525, encryption insecure, no username or password "
                f"(or a sendmail target: alloy-tui is sendmail after takeover --switch)",
            )
        )
    return out


def _proxmox_sections(text: str, file: str) -> dict[str, tuple[int, dict[str, str]]]:
    """`TYPE: NAME` headers, then indented `key value` lines (the section config format)."""
    out: dict[str, tuple[int, dict[str, str]]] = {}
    current: dict[str, str] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if not raw[0].isspace():
            kind, colon, name = raw.partition(":")
            if not colon:
                raise RelayReadError(file, number, "expected `type: name`")
            current = {}
            out[f"{kind.strip()}: {name.strip()}"] = (number, current)
        elif current is not None:
            key, value = word_and_rest(raw)
            current[key] = value.strip()
    return out


READERS: tuple[Callable[[Root], list[AuditFinding]], ...] = (env_files, jenkins, proxmox)
