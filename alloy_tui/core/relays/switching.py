"""`takeover --switch` and `--rollback`: the old relay's service stopped and disabled (where
systemd runs it), `/usr/sbin/sendmail`, `mailq` and `newaliases` pointed at alloy-tui's, every
change written to a record first so `--rollback` puts each thing back. Both are idempotent: a step
already done is said and skipped. Under `--root` no service is touched (a tree has no systemd)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alloy_tui.core.fs import atomic_write
from alloy_tui.core.relays.files import Root

#: Root's own folder, not /var/lib/alloy-tui: that is the service user's (setup-system --user), and
#: a record it could write would have root rename any file anywhere on --rollback.
RECORD = "/var/backups/alloy-tui-takeover-switch.json"
LINKS = ("/usr/sbin/sendmail", "/usr/lib/sendmail", "/usr/bin/mailq", "/usr/bin/newaliases")
#: /usr/lib/sendmail: RHEL's alternatives point it at the old relay's own program (a program that
#: calls it would hand mail to the stopped relay); Debian's follows /usr/sbin/sendmail: left as is.
FOLLOWS_SENDMAIL = ("../sbin/sendmail", "/usr/sbin/sendmail")


def _left_as_is(root: Root, path: str) -> bool:
    """/usr/lib/sendmail when there is none, or when it is a link to /usr/sbin/sendmail."""
    if path != "/usr/lib/sendmail":
        return False
    real = root.real(path)
    return not os.path.lexists(real) or (
        os.path.islink(real) and os.readlink(real) in FOLLOWS_SENDMAIL
    )


BACKUP_SUFFIX = ".before-alloy-tui"

Say = Callable[[str], None]


class SwitchError(OSError):
    """A step that failed; the record says what was done before it."""


def program() -> str:
    """alloy-tui's own launcher: it acts as sendmail, mailq or newaliases by the name it is run as."""
    return shutil.which("alloy-tui") or "/usr/bin/alloy-tui"


def has_systemd(root: Root) -> bool:
    return (
        root.is_system and Path("/run/systemd/system").is_dir() and bool(shutil.which("systemctl"))
    )


def planned(root: Root, unit: str, target: str) -> list[str]:
    """What `--switch` would do, one sentence a step (for `--dry-run`)."""
    out = []
    if unit:
        out.append(
            f"stop and disable {unit}"
            if has_systemd(root)
            else f"skip {unit}: no systemd here (stop it yourself)"
        )
    for path in LINKS:
        if not _left_as_is(root, path):
            out.append(f"point {path} at {target} (the old one kept as {path}{BACKUP_SUFFIX})")
    out.append(f"record every change in {RECORD} (for --rollback)")
    return out


def _inside(root: Root, real: Path, shown: str) -> None:
    """Under --root, a write whose folder a symlink takes out of the tree is refused."""
    if root.is_system:
        return
    if not real.parent.resolve().is_relative_to(root.path.resolve()):
        raise SwitchError(f"{shown}: a symlink leads out of {root.path}; nothing done there")


def _load(root: Root) -> dict[str, Any]:
    path = root.real(RECORD)
    _inside(root, path, RECORD)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise SwitchError(f"{RECORD} cannot be read ({e.strerror}); nothing was changed") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_uid not in (0, os.geteuid()) or st.st_mode & 0o022:
            raise SwitchError(f"{RECORD} is not this user's own file: not trusted; nothing changed")
        raw = f.read(1 << 20)
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise SwitchError(f"{RECORD} cannot be read ({e}); nothing was changed") from None
    if not isinstance(data, dict):
        return {}
    for link in data.get("links", []):  # only what switch writes: never a path it was handed
        if (
            not isinstance(link, dict)
            or link.get("path") not in LINKS
            or link.get("backup", "") not in ("", f"{link.get('path')}{BACKUP_SUFFIX}")
        ):
            raise SwitchError(f"{RECORD} lists a change switch never makes: not trusted")
    return data


def _save(root: Root, record: dict[str, Any]) -> None:
    path = root.real(RECORD)
    _inside(root, path, RECORD)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, (json.dumps(record, indent=2) + "\n").encode())


def _systemctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["systemctl", *args], capture_output=True, text=True, timeout=60)


def not_for_everyone(target: str) -> str:
    """Why every user could not run `target` (cron's mail from www-data, say), or "": a pipx
    install under /root (0700) would leave every other user's sendmail failing."""
    real = os.path.realpath(target)
    try:
        st = os.stat(real)
    except OSError as e:
        return f"{target} cannot be run ({e.strerror})"
    if not stat.S_ISREG(st.st_mode) or not st.st_mode & 0o001:
        return f"{real} is not a program every user may run"
    folder = os.path.dirname(real)
    while True:
        try:
            if not os.stat(folder).st_mode & 0o001:
                return f"{real} is in {folder}, which other users can't enter"
        except OSError as e:
            return f"{folder} cannot be read ({e.strerror})"
        if folder == os.path.dirname(folder):
            return ""
        folder = os.path.dirname(folder)


def _check_program(root: Root, target: str) -> None:
    if root.is_system and (why := not_for_everyone(target)):
        raise SwitchError(
            f"{why}: sendmail would fail for them; install alloy-tui where every user can run "
            "it (the .deb, README 'Install on a server'); nothing was changed"
        )


def switch(root: Root, unit: str, target: str, say: Say) -> bool:
    """Do the switch; returns whether anything changed. Raises SwitchError on a failed step."""
    _check_program(root, target)
    record = _load(root)
    record.setdefault("program", target)
    record.setdefault("links", [])
    record.setdefault("services", [])
    changed = False
    if unit:
        changed |= _stop(root, unit, record, say)
    done = {link["path"] for link in record["links"]}
    for path in LINKS:
        real = root.real(path)
        if _left_as_is(root, path) and path not in done:
            continue  # none there, or it follows /usr/sbin/sendmail
        if os.path.islink(real) and os.readlink(real) == target:
            say(f"{path} already points at {target}: skipped")
            continue
        backup = ""
        try:
            _inside(root, real, path)
            real.parent.mkdir(parents=True, exist_ok=True)
            _inside(root, real, path)
            if os.path.lexists(real):
                backup = path + BACKUP_SUFFIX
                if os.path.lexists(root.real(backup)):
                    raise SwitchError(f"{backup} already exists; move it away first")
            if path not in done:  # recorded before it is done: a crash leaves no change unlisted
                record["links"].append({"path": path, "backup": backup, "target": target})
                _save(root, record)
            if backup:
                os.rename(real, root.real(backup))
            tmp = real.with_name(real.name + ".alloy-tui-tmp")
            if os.path.lexists(tmp):
                os.unlink(tmp)
            os.symlink(target, tmp)
            os.replace(tmp, real)
        except SwitchError:
            raise
        except OSError as e:
            raise SwitchError(f"{path}: {e.strerror or e}") from None
        kept = f" (the old one kept as {backup})" if backup else ""
        say(f"{path} now points at {target}{kept}")
        changed = True
    _save(root, record)
    say(f"recorded in {RECORD}; `alloy-tui takeover --rollback` puts it all back")
    return changed


def _stop(root: Root, unit: str, record: dict[str, Any], say: Say) -> bool:
    if not has_systemd(root):
        why = "--root is a tree, not a running system" if not root.is_system else "no systemd here"
        say(f"{unit}: skipped ({why}); stop and disable it yourself")
        return False
    enabled = _systemctl("is-enabled", unit).stdout.strip() == "enabled"
    active = _systemctl("is-active", unit).stdout.strip() == "active"
    if not enabled and not active:
        say(f"{unit} is already stopped and disabled: skipped")
        return False
    if not any(s["unit"] == unit for s in record["services"]):
        record["services"].append({"unit": unit, "was_enabled": enabled, "was_active": active})
        _save(root, record)
    r = _systemctl("disable", "--now", unit)
    if r.returncode != 0:
        raise SwitchError(f"systemctl disable --now {unit} failed: {r.stderr.strip()[:200]}")
    say(f"{unit} stopped and disabled")
    return True


def rollback(root: Root, say: Say) -> bool:
    """Put back what the record says was changed; returns whether anything changed."""
    record = _load(root)
    if not record:
        say(f"nothing to roll back ({RECORD} does not exist)")
        return False
    changed = False
    left: list[dict[str, str]] = []
    for link in reversed(record.get("links", [])):
        if _restore(root, link, say):
            changed = True
        else:
            left.append(link)
    changed |= _restart(root, record.get("services", []), say)
    if left:
        record["links"] = list(reversed(left))
        record["services"] = []
        _save(root, record)
        say(f"{RECORD} keeps what was left alone")
    else:
        os.unlink(root.real(RECORD))
        say(f"{RECORD} removed: everything is as before the switch")
    return changed


def _restore(root: Root, link: dict[str, str], say: Say) -> bool:
    """One link back as it was; False when someone changed it since (left alone)."""
    path, backup, target = link["path"], link.get("backup", ""), link["target"]
    real = root.real(path)
    try:
        _inside(root, real, path)
        if os.path.islink(real) and os.readlink(real) == target:
            os.unlink(real)
        elif os.path.lexists(real) and backup and not os.path.lexists(root.real(backup)):
            say(f"{path} is already back as it was: skipped")  # a rollback cut short before
            return True
        elif os.path.lexists(real):
            say(f"{path} was changed since the switch (not alloy-tui's link): left alone")
            return False
        if backup and os.path.lexists(root.real(backup)):
            os.rename(root.real(backup), real)
            say(f"{path} restored from {backup}")
        else:
            say(f"{path} removed (there was none before the switch)")
    except OSError as e:
        raise SwitchError(f"{path}: {e.strerror or e}") from None
    return True


def _restart(root: Root, services: list[dict[str, Any]], say: Say) -> bool:
    changed = False
    for service in services:
        unit = service["unit"]
        if not has_systemd(root):
            say(f"{unit}: skipped (no systemd here); start it yourself if it was running")
            continue
        done = []
        if service.get("was_enabled") and _systemctl("enable", unit).returncode == 0:
            done.append("enabled")
        if service.get("was_active") and _systemctl("start", unit).returncode == 0:
            done.append("started")
        say(f"{unit} {' and '.join(done) or 'could not be enabled or started: check it'} again")
        changed = True
    return changed
