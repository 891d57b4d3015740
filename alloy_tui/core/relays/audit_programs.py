"""`audit`'s readers for Alertmanager (`alertmanager.yml`
`global.smtp_*` and each receiver's `email_configs`), GitLab (`gitlab.rb` `smtp_*`) and Nextcloud
(`config.php` `mail_smtp*`). Each reads its own documented syntax; nothing is run."""

from __future__ import annotations

import re
from collections.abc import Callable

from alloy_tui.core.relays.audit_model import LISTENER, AuditFinding, split_host
from alloy_tui.core.relays.files import Root

ALERTMANAGER = (
    "/etc/alertmanager/alertmanager.yml",
    "/etc/prometheus/alertmanager.yml",
    "/etc/alertmanager/config.yml",
)
GITLAB = ("/etc/gitlab/gitlab.rb",)
NEXTCLOUD_DIRS = (
    "/var/www/nextcloud",
    "/var/www/html",
    "/srv/nextcloud",
    "/usr/share/nextcloud",
    "/var/www/html/nextcloud",
)


_YAML_KEY = re.compile(r"^(?P<indent>\s*)(?P<dash>-\s+)?(?P<key>[A-Za-z_]+)\s*:\s*(?P<value>.*)$")


Keys = dict[str, tuple[str, int]]


def _alertmanager_keys(text: str) -> tuple[Keys, list[Keys]]:
    """`global:`'s smtp_* keys, and each `email_configs` item's keys (a line-based reading of
    the YAML that alertmanager.yml uses: block mappings and lists, `#` comments)."""
    glob: Keys = {}
    items: list[Keys] = []
    configs_indent = -1
    for number, raw in enumerate(text.splitlines(), 1):
        m = _YAML_KEY.match(raw.split(" #", 1)[0].rstrip())
        if not m:
            continue
        indent = len(m["indent"])
        key, value = m["key"], m["value"].strip().strip("'\"")
        if key == "email_configs":
            configs_indent = indent
            continue
        if indent < configs_indent or (indent == configs_indent and not m["dash"]):
            configs_indent = -1
        if configs_indent >= 0:
            if m["dash"]:
                items.append({})
            if items:
                items[-1][key] = (value, number)
        elif key.startswith("smtp_"):
            glob[key] = (value, number)
    return glob, items


def alertmanager(root: Root) -> list[AuditFinding]:
    out = []
    for file in ALERTMANAGER:
        text = root.read(file)
        if text is None:
            continue
        glob, items = _alertmanager_keys(text)
        default_password = any(
            glob.get(k, ("", 0))[0] for k in ("smtp_auth_password", "smtp_auth_password_file")
        )
        host, line = glob.get("smtp_smarthost", ("", 0))
        if host:
            name, port = split_host(host, 25)
            out.append(
                AuditFinding(
                    "alertmanager",
                    file,
                    line,
                    "global.smtp_smarthost",
                    name,
                    port,
                    default_password,
                    f"global: smtp_smarthost: '{LISTENER}', smtp_require_tls: false, "
                    "remove smtp_auth_username/smtp_auth_password(_file)",
                )
            )
        for item in items:
            own, line = item.get("smarthost", ("", 0))
            if not own:
                continue
            password = any(item.get(k, ("", 0))[0] for k in ("auth_password", "auth_password_file"))
            name, port = split_host(own, 25)
            out.append(
                AuditFinding(
                    "alertmanager",
                    file,
                    line,
                    "email_configs.smarthost",
                    name,
                    port,
                    password or (default_password and "auth_username" not in item),
                    f"smarthost: '{LISTENER}', require_tls: false, remove auth_username/auth_password",
                )
            )
    return out


_RB = re.compile(r"""^\s*gitlab_rails\[['"](?P<key>smtp_\w+)['"]\]\s*=\s*(?P<value>.+?)\s*$""")


def gitlab(root: Root) -> list[AuditFinding]:
    out = []
    for file in GITLAB:
        text = root.read(file)
        if text is None:
            continue
        values: dict[str, tuple[str, int]] = {}
        for number, raw in enumerate(text.splitlines(), 1):
            m = _RB.match(raw)
            if m and not raw.lstrip().startswith("#"):
                values[m["key"]] = (m["value"].split(" #")[0].strip().strip("'\""), number)
        if values.get("smtp_enable", ("false", 0))[0] != "true":
            continue
        host, line = values.get("smtp_address", ("", 0))
        if not host:
            continue
        port = values.get("smtp_port", ("25", 0))[0]
        password = values.get("smtp_password", ("", 0))[0] not in ("", "nil")
        out.append(
            AuditFinding(
                "gitlab",
                file,
                line,
                "gitlab_rails['smtp_address']",
                host,
                int(port) if port.isdigit() else 25,
                password,
                "gitlab_rails['smtp_address'] = \"127.0.0.1\"; ['smtp_port'] = 2525; "
                "['smtp_authentication'] = nil; ['smtp_enable_starttls_auto'] = false; "
                "remove smtp_user_name/smtp_password; then gitlab-ctl reconfigure",
            )
        )
    return out


_PHP = re.compile(r"""['"](?P<key>mail_\w+)['"]\s*=>\s*(?P<value>'[^']*'|"[^"]*"|[\w.]+)""")


def nextcloud(root: Root) -> list[AuditFinding]:
    out = []
    for folder in NEXTCLOUD_DIRS:
        file = f"{folder}/config/config.php"
        text = root.read(file)
        if text is None:
            continue
        values: dict[str, tuple[str, int]] = {}
        for number, raw in enumerate(text.splitlines(), 1):
            for m in _PHP.finditer(raw):
                values[m["key"]] = (m["value"].strip("'\""), number)
        if values.get("mail_smtpmode", ("", 0))[0] != "smtp":
            continue
        host, line = values.get("mail_smtphost", ("", 0))
        if not host:
            continue
        port = values.get("mail_smtpport", ("25", 0))[0]
        auth = values.get("mail_smtpauth", ("false", 0))[0].lower() in ("true", "1")
        out.append(
            AuditFinding(
                "nextcloud",
                file,
                line,
                "mail_smtphost",
                host,
                int(port) if port.isdigit() else 25,
                auth and bool(values.get("mail_smtppassword", ("", 0))[0]),
                "'mail_smtphost' => '127.0.0.1', 'mail_smtpport' => 2525, 'mail_smtpauth' => false, "
                "'mail_smtpsecure' => '', remove mail_smtpname/mail_smtppassword",
            )
        )
    return out


READERS: tuple[Callable[[Root], list[AuditFinding]], ...] = (
    alertmanager,
    gitlab,
    nextcloud,
)
