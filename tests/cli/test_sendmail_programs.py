"""Real programs that lost mail on exit 64 before (issue 19), each through a `sendmail` symlink
to `alloy-sendmail`: PHP's mail() with `-r`, mutt with dsn_notify/dsn_return (`-N`, `-R`), and
Symfony Mailer's SendmailTransport (Laravel's default) with `-bs -i`, the real library speaking
SMTP over the process's pipes. Each message reaches the outbox exactly once; each program
reports success. CI installs php-cli, mutt and php-symfony-mailer; a missing one fails here."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from alloy_tui.core.outbox import Outbox
from tests.helpers.sendmail_door import env_for, leftovers, metas, queued, scripts, write_config

SYMFONY = "/usr/share/php/Symfony/Component/Mailer/autoload.php"


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is not installed (.ci/run installs it)")
    return path


def test_php_mail_with_r(tmp_path: Path) -> None:
    php = need("php")
    write_config(tmp_path)
    sendmail = scripts(tmp_path) / "sendmail"
    code = (
        'exit(mail("ops@contoso.com", "PHP mail", "Backup done.\\n", "X-Mailer: PHP", '
        '"-rbounce@contoso.com") ? 0 : 1);'
    )
    r = subprocess.run(
        [php, "-n", "-d", f"sendmail_path={sendmail} -t -i", "-r", code],
        capture_output=True,
        timeout=60,
        env=env_for(tmp_path),
    )
    assert r.returncode == 0, r.stdout + r.stderr
    [m] = queued(tmp_path)
    assert m.subject == "PHP mail" and m.to == ("ops@contoso.com",)
    raw = Outbox(tmp_path / "queue").read_raw(m.id)
    assert b'From: "bounce (' in raw  # -r took the place of -f: no From, so it names the sender
    assert b"\n\nBackup done.\n" in raw.replace(b"\r\n", b"\n")
    assert leftovers(tmp_path) == {"tmp": [], "orphan_messages": []}


def test_mutt_with_dsn_notify(tmp_path: Path) -> None:
    mutt = need("mutt")
    write_config(tmp_path)
    sendmail = scripts(tmp_path) / "sendmail"
    (tmp_path / "inbox").touch()
    muttrc = tmp_path / "muttrc"
    muttrc.write_text(
        f'set sendmail="{sendmail} -oem -oi"\n'
        'set dsn_notify="failure,delay"\nset dsn_return="hdrs"\n'
        'set use_from=yes\nset from="app@contoso.com"\nset realname="App"\n'
        'set record=""\nset copy=no\n'
        f'set folder="{tmp_path}"\nset spoolfile="{tmp_path / "inbox"}"\n'
    )
    r = subprocess.run(
        [mutt, "-n", "-F", str(muttrc), "-s", "mutt dsn", "ops@contoso.com"],
        input=b"The disk is full.\n",
        capture_output=True,
        timeout=60,
        env={**env_for(tmp_path), "HOME": str(tmp_path)},
    )
    assert r.returncode == 0, r.stdout + r.stderr
    [m] = queued(tmp_path)
    assert m.subject == "mutt dsn" and m.to == ("ops@contoso.com",)
    [meta] = metas(tmp_path)
    assert meta["details"] == {"dsn_notify": "FAILURE,DELAY", "dsn_ret": "HDRS"}


def test_symfony_mailer_sendmail_transport_bs_i(tmp_path: Path) -> None:
    php = need("php")
    if not Path(SYMFONY).exists():
        pytest.fail("Symfony Mailer is not installed (.ci/run installs php-symfony-mailer)")
    write_config(tmp_path)
    sendmail = scripts(tmp_path) / "sendmail"
    script = tmp_path / "send.php"
    script.write_text(
        "<?php\n"
        "require_once 'Symfony/Component/Mailer/autoload.php';\n"
        "require_once 'Symfony/Component/Mime/autoload.php';\n"
        "use Symfony\\Component\\Mailer\\Mailer;\n"
        "use Symfony\\Component\\Mailer\\Transport\\SendmailTransport;\n"
        "use Symfony\\Component\\Mime\\Email;\n"
        "$mailer = new Mailer(new SendmailTransport($argv[1]));\n"
        "for ($i = 1; $i <= 3; $i++) {\n"
        "    $mailer->send((new Email())->from('app@contoso.com')->to('ops@contoso.com')\n"
        '        ->subject("Symfony $i")->text("Order $i shipped.\\n.a dot line\\n"));\n'
        "}\n"
        'echo "sent\\n";\n'
    )
    r = subprocess.run(
        [php, str(script), f"{sendmail} -bs -i"],
        capture_output=True,
        timeout=120,
        env=env_for(tmp_path),
    )
    assert (r.returncode, r.stdout) == (0, b"sent\n"), r.stderr
    listed = queued(tmp_path)
    assert sorted(m.subject for m in listed) == ["Symfony 1", "Symfony 2", "Symfony 3"]
    assert {m.to for m in listed} == {("ops@contoso.com",)}
    box = Outbox(tmp_path / "queue")
    for m in listed:
        body = box.read_raw(m.id).replace(b"\r\n", b"\n")
        assert b"shipped.\n.a dot line\n" in body  # dot-stuffing undone, exactly once
    assert leftovers(tmp_path) == {"tmp": [], "orphan_messages": []}
