"""Fixture trees of existing relays and programs (tests/fixtures/relays/<name>/,
tests/fixtures/audit/<name>/), written from each project's documented syntax, copied into a test's
own folder for `--root`; `@PORT@` in any file becomes the port of the test's SMTP server."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

#: Every password the relay fixtures hold: none may appear anywhere but the secrets file.
PASSWORDS = {
    "postfix-o365": "Fx-Postfix-O365-Pw-1",
    "postfix-local": "Fx-Postfix-Local-Pw-2",
    "msmtp-o365": "Fx-Msmtp-O365 Pw-3",
    "msmtp-local": "Fx-Msmtp-Local-Pw-4",
    "ssmtp-local": "Fx-Ssmtp-Local-Pw-5",
    "nullmailer-local": "Fx-Null Local-Pw-6",
    "dma-local": "Fx-Dma-Local-Pw-7",
    "exim4-o365": "Fx-Exim:O365-Pw-8",
    "exim4-local": "Fx-Exim-Local-Pw-9",
    "opensmtpd-local": "Fx-Smtpd-Local-Pw-10",
    "opensmtpd-gcch": "Fx-Smtpd-Gcch-Pw-11",
    "ssmtp-china": "Fx-Ssmtp-China-Pw-12",
}

#: The audit fixture's passwords (tests/fixtures/audit/host).
AUDIT_PASSWORDS = (
    "Fx-Grafana-Pw#1;",
    "Fx-Alertmanager-Pw-2",
    "Fx-Gitlab-Pw-3",
    "Fx-Nextcloud-Pw-4",
    "Fx-Laravel-Pw-5",
    "Fx-Blog-Pw-6",
    "Fx-Proxmox-Pw-8",
    "Fx-Audit-Postfix-Pw-9",
    "Fx-Gitea-Pw#10",
    "Fx-Alice-Msmtp-Pw-11",
)


def relay_tree(tmp_path: Path, name: str, port: int = 0, kind: str = "relays") -> Path:
    """A copy of tests/fixtures/<kind>/<name> under tmp_path, `@PORT@` replaced by `port`."""
    root = tmp_path / f"root-{name}"
    shutil.copytree(FIXTURES / kind / name, root, symlinks=True)
    for folder, _dirs, files in os.walk(root):
        for file in files:
            path = Path(folder) / file
            text = path.read_text()
            if "@PORT@" in text:
                path.write_text(text.replace("@PORT@", str(port)))
    return root


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under root with its content's sha256 (to show nothing was changed)."""
    out = {}
    for folder, _dirs, files in os.walk(root):
        for file in files:
            path = Path(folder) / file
            if not path.is_symlink():
                out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def files_containing(top: Path, secret: str, *, skip: Path | None = None) -> list[Path]:
    """Every file under `top` (but `skip`) whose bytes contain `secret`."""
    needle = secret.encode()
    found = []
    for folder, _dirs, files in os.walk(top):
        for file in files:
            path = Path(folder) / file
            if skip is not None and path == skip or path.is_symlink():
                continue
            if needle in path.read_bytes():
                found.append(path)
    return found
