"""Each relay's reader against fixture trees written from that project's documented syntax:
comments, defaults, `account default`, continuation lines, `$name` references, includes,
wildcards; broken files name the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from alloy_tui.core.relays import Relay, RelayReadError, Root, discover, read_relay
from tests.helpers.relay_trees import PASSWORDS, relay_tree


def one(tmp_path: Path, name: str, kind: str, port: int = 2525) -> Relay:
    relay = read_relay(kind, Root(relay_tree(tmp_path, name, port)))
    assert relay is not None
    return relay


def test_postfix_to_office365_with_continuation_line_and_aliases(tmp_path: Path) -> None:
    r = one(tmp_path, "postfix-o365", "postfix")
    assert (r.host, r.port, r.security, r.user) == (
        "smtp.office365.com",
        587,
        "starttls",
        "alerts@contoso.com",
    )
    # smtp_sasl_password_maps's value is on a continuation line: the map was still found
    assert r.password == PASSWORDS["postfix-o365"]
    assert r.password_file == "/etc/postfix/sasl_passwd:2"
    assert r.admin == "ops-team@contoso.com"
    assert r.aliases == {"www-data": "web-team@contoso.com"}  # postmaster: root ends at admin
    assert r.service_unit == "postfix.service"
    assert any("sender_canonical_maps" in n for n in r.not_carried)
    assert any("alias backup" in n for n in r.not_carried)
    assert r.sources["host"] == "/etc/postfix/main.cf:7"


def test_postfix_expands_references(tmp_path: Path) -> None:
    r = one(tmp_path, "postfix-local", "postfix", 2600)
    assert (r.host, r.port, r.user) == ("127.0.0.1", 2600, "relay-user@contoso.test")
    assert r.password == PASSWORDS["postfix-local"]


def test_postfix_sasl_xoauth2_token_file_is_recognised(tmp_path: Path) -> None:
    r = one(tmp_path, "postfix-xoauth2", "postfix")
    assert r.password == "" and "sasl-xoauth2" in r.oauth
    assert r.user == "alerts@contoso.com"


def test_postfix_without_relayhost_is_no_relay(tmp_path: Path) -> None:
    assert read_relay("postfix", Root(relay_tree(tmp_path, "postfix-direct"))) is None


def test_msmtp_account_default_inherits_defaults_and_its_account(tmp_path: Path) -> None:
    r = one(tmp_path, "msmtp-o365", "msmtp")
    assert (r.host, r.port, r.security) == ("smtp.office365.com", 587, "starttls")
    assert r.user == r.from_address == "backups@contoso.com"
    assert r.password == PASSWORDS["msmtp-o365"]  # quoted, with a space
    assert r.admin == "ops@contoso.com"  # from the `aliases` file it names
    assert "cron" not in r.aliases  # cron: root
    assert any("gmail" in n for n in r.not_carried)
    assert any("tls_trust_file" in n for n in r.not_carried)


def test_msmtp_passwordeval_is_kept_as_a_command(tmp_path: Path) -> None:
    r = one(tmp_path, "msmtp-passwordeval", "msmtp")
    assert (r.port, r.security, r.password) == (465, "ssl", "")
    assert r.password_command == "cat /etc/msmtp-password"
    # tabs between command and argument; a bare `tls` is on; a command alloy-tui doesn't know is said
    assert r.host == "mail.contoso.test"
    assert any("set_msgid_header" in n for n in r.not_carried)


def test_ssmtp_with_revaliases(tmp_path: Path) -> None:
    r = one(tmp_path, "ssmtp-local", "ssmtp", 2700)
    assert (r.host, r.port, r.security) == ("127.0.0.1", 2700, "starttls")
    assert r.user == "ssmtp-user@contoso.test" and r.password == PASSWORDS["ssmtp-local"]
    assert r.admin == "postmaster@contoso.test"  # root= wins over revaliases
    assert any("rewritedomain" in n for n in r.not_carried)
    assert any("www-data sends as web@contoso.test" in n for n in r.not_carried)


def test_nullmailer_quoted_options_and_fallback(tmp_path: Path) -> None:
    r = one(tmp_path, "nullmailer-local", "nullmailer", 2800)
    assert (r.host, r.port, r.security) == ("127.0.0.1", 2800, "starttls")
    assert r.password == PASSWORDS["nullmailer-local"]
    assert r.admin == "alerts@contoso.test"
    assert any("fallback" in n for n in r.not_carried)
    assert any("/etc/nullmailer/me" in n for n in r.not_carried)


def test_dma(tmp_path: Path) -> None:
    r = one(tmp_path, "dma-local", "dma", 2900)
    assert (r.host, r.port, r.security) == ("127.0.0.1", 2900, "starttls")
    assert (r.user, r.password) == ("dma-user@contoso.test", PASSWORDS["dma-local"])
    assert r.from_address == "host1@contoso.test" and r.admin == "dma-admin@contoso.test"


def test_exim4_passwd_client_wildcards_first_match(tmp_path: Path) -> None:
    r = one(tmp_path, "exim4-o365", "exim4")
    assert (r.host, r.port) == ("smtp.office365.com", 587)
    # `*.outlook.com` (the name smtp.office365.com resolves to) comes before `*`
    assert r.user == "exim@contoso.com"
    assert r.password == PASSWORDS["exim4-o365"]  # a colon inside the password
    assert r.admin == "it@contoso.com"
    assert any("fallback smarthost backup.contoso.com" in n for n in r.not_carried)
    assert any("/etc/email-addresses" in n for n in r.not_carried)


def test_opensmtpd_include_continuation_and_secrets_table(tmp_path: Path) -> None:
    r = one(tmp_path, "opensmtpd-local", "opensmtpd", 3000)
    assert (r.host, r.port, r.security) == ("127.0.0.1", 3000, "starttls")
    assert (r.user, r.password) == ("smtpd-user@contoso.test", PASSWORDS["opensmtpd-local"])
    assert r.from_address == "server2@contoso.test"
    assert "/etc/smtpd/tables.conf" in r.files and r.sources["host"] == "/etc/smtpd.conf:11"


def test_opensmtpd_inline_table(tmp_path: Path) -> None:
    r = one(tmp_path, "opensmtpd-gcch", "opensmtpd")
    assert (r.host, r.user, r.password) == (
        "smtp.office365.us",
        "ops@agency.gov",
        PASSWORDS["opensmtpd-gcch"],
    )


@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("postfix-broken", "/etc/postfix/main.cf:2"),
        ("msmtp-broken", "/etc/msmtprc:2"),
        ("ssmtp-broken", "/etc/ssmtp/ssmtp.conf"),
        ("nullmailer-broken", "/etc/nullmailer/remotes:1"),
        ("dma-broken", "/etc/dma/dma.conf:2"),
        ("exim4-broken", "/etc/exim4/update-exim4.conf.conf:2"),
        ("opensmtpd-broken", "/etc/smtpd.conf:1"),
    ],
)
def test_broken_files_name_the_file_and_line(tmp_path: Path, name: str, where: str) -> None:
    found = discover(Root(relay_tree(tmp_path, name)))
    assert found.relays == []
    assert len(found.errors) == 1
    assert str(found.errors[0]).startswith(f"{where}: ")


def test_several_relays_are_all_found(tmp_path: Path) -> None:
    found = discover(Root(relay_tree(tmp_path, "several")))
    assert [r.kind for r in found.relays] == ["postfix", "msmtp"]
    assert [
        r.kind for r in discover(Root(relay_tree(tmp_path / "b", "several")), "msmtp").relays
    ] == ["msmtp"]


def test_a_password_is_never_in_a_finding_or_repr(tmp_path: Path) -> None:
    for name, password in PASSWORDS.items():
        for relay in discover(Root(relay_tree(tmp_path / name, name, 2525))).relays:
            assert password not in repr(relay)
            assert all(password not in f.meaning for f in relay.findings)
            assert all(password not in n for n in relay.not_carried)


def test_a_folder_where_a_file_should_be_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "etc" / "msmtprc").mkdir(parents=True)
    with pytest.raises(RelayReadError, match="/etc/msmtprc: is a folder"):
        read_relay("msmtp", Root(tmp_path))


def test_postfix_relayhost_list_takes_the_first(tmp_path: Path) -> None:
    main = tmp_path / "etc/postfix/main.cf"
    main.parent.mkdir(parents=True)
    main.write_text("relayhost = [smtp.office365.com]:587, [smtp-legacy.office365.com]:587\n")
    r = read_relay("postfix", Root(tmp_path))
    assert r is not None and (r.host, r.port) == ("smtp.office365.com", 587)
    assert any("fallback relay [smtp-legacy.office365.com]:587" in n for n in r.not_carried)
