"""Security sweep: no secret in library debug logs or in repr(), certificate checks never off.

The debug-log test runs the whole Microsoft 365 path (device-code sign-in, silent refresh, Graph
and EWS sends) in a fresh process whose root logger is at DEBUG, the way a host program or a
curious admin might run it, and looks for every secret the sandbox and MSAL handled.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from alloy_tui.core.signin.model import AccessToken
from alloy_tui.sandbox.store import DeviceCode, TokenRecord
from alloy_tui.sandbox.wire import Request, Response

ROOT = Path(__file__).resolve().parents[2]

DEBUG_RUN = textwrap.dedent(
    """
    import json, logging, sys
    from pathlib import Path

    out = Path(sys.argv[1])
    handler = logging.FileHandler(out / "debug.log")
    logging.basicConfig(level=logging.DEBUG, handlers=[handler])  # before anything is imported

    sys.path.insert(0, sys.argv[2])
    from tests.helpers.m365 import settings_for, sign_in
    from alloy_tui.core.mail.sending import send_test_message
    from alloy_tui.sandbox import Sandbox

    with Sandbox(interval=1) as sb:
        s = settings_for(sb, out)
        cfg = out / "config.toml"
        sign_in(sb, s, cfg)
        sb.expire_access_tokens()
        sb.set_scenario("invalid_token", api="graph", count=1)  # 401 -> forced refresh -> sent
        send_test_message(s, cfg, "bob@example.com")
        send_test_message(settings_for(sb, out, api="ews"), cfg, "bob@example.com")
        secrets = set(sb.issued_tokens()) | {d for d in sb.state.device_codes}
    cache = json.loads(Path(s.exchange_online.token_cache).read_text())
    for section in cache.values():
        for entry in section.values():
            if isinstance(entry, dict) and entry.get("secret"):
                secrets.add(entry["secret"])
    (out / "secrets.json").write_text(json.dumps(sorted(secrets)))
    levels = {n: logging.getLogger(n).getEffectiveLevel() for n in ("msal", "exchangelib", "httpcore", "requests_oauthlib")}
    print(json.dumps(levels))
    """
)


def test_debug_logging_never_shows_a_token_or_device_code(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-c", DEBUG_RUN, str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    log = (tmp_path / "debug.log").read_text()
    secrets = json.loads((tmp_path / "secrets.json").read_text())
    assert len(secrets) >= 6  # access and refresh tokens, the device code, the id token
    assert "HTTP Request: POST" in log  # logging really was on at DEBUG
    leaks = [s[:12] + "..." for s in secrets if s in log or s in r.stdout + r.stderr]
    assert leaks == []
    assert not re.search(r"(?i)authorization['\"]?\s*[:=]\s*['\"]?bearer", log)
    levels = json.loads(r.stdout.strip().splitlines()[-1])
    assert all(v >= 30 for v in levels.values()), levels  # held at WARNING


def test_repr_of_what_we_keep_shows_no_secret() -> None:
    tok = AccessToken("eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.c2ln", 1.0)
    assert "eyJ" not in repr(tok) and "eyJ" not in str(tok)
    rec = TokenRecord("sbx-at-SECRET", "access", "a@b", "graph", (), 1.0, "cid")
    assert "SECRET" not in repr(rec)
    dc = DeviceCode("sbx-dc-SECRET", "ABCD-EFGH", "cid", "t", (), 0.0, 1.0)
    assert "SECRET" not in repr(dc)
    req = Request(
        "POST",
        "/t/oauth2/v2.0/token",
        {},
        {"authorization": "Bearer SECRET"},
        b"refresh_token=SECRET",
    )
    assert "SECRET" not in repr(req)
    assert "SECRET" not in repr(Response(200, b'{"access_token": "SECRET"}'))


# Ways to switch certificate checks off in the libraries we use.
INSECURE = [
    r"verify\s*=\s*False",
    r"CERT_NONE",
    r"check_hostname\s*=\s*False",
    r"NoVerifyHTTPAdapter",
    r"_create_unverified_context",
    r"OAUTHLIB_INSECURE_TRANSPORT",
    r"PYTHONHTTPSVERIFY",
    r"disable_warnings",
]


def test_certificate_checks_are_never_turned_off_in_the_product() -> None:
    hits = []
    for path in sorted((ROOT / "alloy_tui").rglob("*.py")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            for pattern in INSECURE:
                if re.search(pattern, line):
                    hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert hits == []


def test_no_microsoft_first_party_client_id_is_a_default() -> None:
    from alloy_tui.core.config.settings import Settings

    assert Settings().exchange_online.client_id == "" and Settings().exchange_online.tenant == ""
    first_party = ("14d82eec", "04b07795", "1950a258", "d3590ed6", "1fec8e78", "9ba1a5c7")
    for path in [*(ROOT / "alloy_tui").rglob("*.py"), ROOT / "config.example.toml"]:
        text = path.read_text().lower()
        assert not [i for i in first_party if i in text], path
