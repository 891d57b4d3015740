"""After exercising the CLI and the core (successes and failures, Graph and EWS), no token the
sandbox issued appears anywhere but the token cache: not in config files, the alert log, any
captured stdout/stderr, nor any exception text or explanation."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from alloy_tui.core.config.store import load
from alloy_tui.core.errors import AlloyError, ExplainedError
from alloy_tui.core.mail.message import OutgoingMessage
from alloy_tui.core.mail.sending import send_message, send_test_message
from alloy_tui.core.signin.client import SignIn
from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.session import config_text, write_config


def test_no_token_anywhere_but_the_cache(tmp_path: Path) -> None:
    texts: list[str] = []
    env = dict(os.environ, TERM="dumb", NO_COLOR="1")

    def cli(cfg: Path, *args: str, stdin: str = "") -> int:
        out = subprocess.run(
            [sys.executable, "-m", "alloy_tui", "--config", str(cfg), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        texts.extend([out.stdout, out.stderr])
        print(f"$ alloy-tui {' '.join(args)}  -> {out.returncode}\n{out.stderr}", file=sys.stderr)
        return out.returncode

    def core(fn: object, *args: object, **kw: object) -> None:
        try:
            fn(*args, **kw)  # type: ignore[operator]
        except ExplainedError as e:
            ex = e.explanation
            texts.extend(
                [str(e), repr(e), ex.title, ex.cause, ex.fix, repr(ex.details), ex.one_line()]
            )
        except AlloyError as e:
            texts.extend([str(e), repr(e)])

    with Sandbox(auto_approve_after=0, access_token_lifetime=301) as sb:
        graph_cfg = tmp_path / "graph" / "config.toml"
        ews_cfg = tmp_path / "ews" / "config.toml"
        write_config(graph_cfg, config_text(sb, graph_cfg.parent))
        write_config(ews_cfg, config_text(sb, ews_cfg.parent, api="ews"))

        # CLI, each command its own process.
        assert cli(graph_cfg, "login") == 0
        assert cli(graph_cfg, "status") == 0
        assert cli(graph_cfg, "test-send", "--to", "bob@example.com") == 0
        assert (
            cli(graph_cfg, "send", "--to", "bob@example.com", "--subject", "s", stdin="body") == 0
        )
        assert (
            cli(graph_cfg, "test-send", "--to", "bob@example.com", "--from", "ceo@contoso.example")
            == 1
        )
        sb.set_scenario("invalid_token", api="graph", count=2)
        assert cli(graph_cfg, "test-send", "--to", "bob@example.com") == 1
        sb.set_scenario("throttle", api="graph", retry_after=0, count=None)
        assert cli(graph_cfg, "test-send", "--to", "bob@example.com") == 1
        sb.clear_scenarios()
        assert cli(ews_cfg, "login") == 0
        assert cli(ews_cfg, "test-send", "--to", "bob@example.com") == 0
        sb.set_scenario("ews_blocked", count=1)
        assert cli(ews_cfg, "test-send", "--to", "bob@example.com") == 1
        sb.set_scenario("refresh_token_expired", count=1)
        assert cli(ews_cfg, "status") == 1

        # Core, in this process: successes and failures, exception texts collected.
        g = load(graph_cfg).settings
        e = load(ews_cfg).settings
        core(send_test_message, g, graph_cfg, "ops@contoso.example")
        core(send_test_message, e, ews_cfg, "ops@contoso.example")
        d = g.with_section("exchange_online", from_delegation=True)
        core(
            send_message,
            d,
            graph_cfg,
            OutgoingMessage(("bob@example.com",), "s", "b", from_address="ceo@contoso.example"),
        )
        sb.expire_access_tokens()
        core(send_test_message, g, graph_cfg, "bob@example.com")  # 401 -> refresh -> sent
        sb.set_scenario("mfa_required", count=1)
        core(SignIn(g, graph_cfg).get_token_info, "graph", force_refresh=True)
        sb.set_scenario("consent_required", count=1)
        core(SignIn(e, ews_cfg).get_token_info, "ews", force_refresh=True)
        texts.append(repr(SignIn(g, graph_cfg).token_health()))
        texts.append(repr(SignIn(g, graph_cfg).get_token_info("graph")))
        si = SignIn(g, graph_cfg)
        si.start_device_flow()
        cancel = threading.Event()
        cancel.set()
        core(si.wait_for_device_flow, cancel)
        assert cli(graph_cfg, "logout") == 0
        assert cli(graph_cfg, "status") == 1

        tokens = sb.issued_tokens()

    assert len(tokens) >= 8  # access and refresh tokens for Graph and EWS, refreshed ones too
    files = [
        p for p in tmp_path.rglob("*") if p.is_file() and not p.name.startswith("token_cache.json")
    ]
    assert any(p.name == "alert_log.jsonl" for p in files)
    assert any(p.name == "config.toml" for p in files)
    blobs = {str(p): p.read_text(errors="replace") for p in files}
    blobs.update({f"output/exception #{i}": t for i, t in enumerate(texts)})
    leaks = [
        (where, tok[:12] + "...") for where, text in blobs.items() for tok in tokens if tok in text
    ]
    assert leaks == []
    # The cache itself does hold them (so the check above is not vacuous).
    cache = (tmp_path / "ews" / "token_cache.json").read_text()
    assert any(tok in cache for tok in tokens)
