"""`sendmail -bs` for a user who can't use the config (system mode: www-data under PHP-FPM,
whose Laravel or Symfony Mailer calls `sendmail -bs`): each message goes to the maildrop, as
the plain sendmail's fallback does (`commands/sendmail/maildrop.py`).

The session is the listener's own (`Session`: envelope syntax, DATA's size limit counted in
bytes and its header limit, deadlines, no AUTH: a local process as this user is trusted as
loopback is); only what needs the config is left to the runner, which reads each drop file
with sendmail's rules and the config (local names, aliases, allowed domains, the service's
limit). Each DATA becomes one drop file: the RCPT TO addresses as its recipients, MAIL FROM as
its sender ("<>" for the null sender), the DSN parameters as its `dsn`; 250 only once the file
is durable (fsynced, renamed, the file system synced), 452 when the maildrop is full, 451 when
it can't be written: the client keeps the message and says so.
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from alloy_tui.core.config import Settings
from alloy_tui.core.smtpd.data_spool import DataSpool
from alloy_tui.core.smtpd.envelope import dsn_details
from alloy_tui.core.smtpd.handler import Handler, reply_text
from alloy_tui.core.smtpd.options import ListenerOptions, limits, pipe_limits

log = logging.getLogger("alloy_tui.smtpd")
QUEUED = "250 2.0.0 OK: handed to the maildrop; the alloy-tui runner queues it"


def drop_options(host: str = "stdin") -> ListenerOptions:
    """The listener's default rules and limits with nothing read from a config (this user may
    not read it): no allowed senders or domains (the runner applies sendmail's rules), the
    default [smtpd] size and header limits, UTF-8 mailbox names refused (whether the service
    takes them is in the config)."""
    from alloy_tui.core.mail import MAX_MESSAGE_BYTES

    defaults = Settings()
    return ListenerOptions(
        host=host,
        port=0,
        **{
            **pipe_limits(limits(defaults)),
            "max_message_bytes": min(defaults.smtpd.max_message_bytes, MAX_MESSAGE_BYTES),
            "utf8_mailboxes": False,
        },
    )


class DropHandler(Handler):
    """The listener's handler with the maildrop in place of the outbox (no settings, no
    outbox: this user can use neither). `failures` keeps each refusal's reason, for the
    caller's stderr and syslog."""

    def __init__(self, folder: Path, options: ListenerOptions, pool: Executor) -> None:
        # Not Handler.__init__: it needs the settings and the outbox; what Session and
        # Listener read of a handler is set by `_door`.
        self.folder = Path(folder)
        self._door(options, pool, None, None)
        self.failures: list[tuple[int, str]] = []  # (sysexits code, reason) of each 451/452

    async def _recipient_check(self, address: str) -> str | None:
        return None  # mapped and checked by the runner, with the config (RCPT's cap still holds)

    def spool(self) -> DataSpool:
        """In memory (as the plain sendmail reads its stdin): the maildrop's files are written
        whole, once, never spooled beside the user's other files."""
        o = self.options
        return DataSpool(self.folder, o.max_message_bytes, o.max_header_bytes, spill_at=None)

    async def data(self, envelope: Any, spool: DataSpool, session: Any) -> str:
        from alloy_tui.core import maildrop

        raw = spool.finish()
        assert isinstance(raw, bytes)  # never spilled
        dsn = dsn_details(envelope.mail_params, envelope.rcpt_params)
        drop_envelope = maildrop.Envelope(
            recipients=tuple(envelope.rcpt_tos),
            read_headers=False,
            envelope_from=envelope.mail_from or "<>",
            dsn=tuple(sorted(dsn.items())),
        )
        self.in_flight += 1
        try:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self.pool, maildrop.drop, self.folder, raw, drop_envelope)
        except maildrop.MaildropError as e:
            self.failures.append((e.exit_code, str(e)))
            code = "452 4.3.1" if e.exit_code == os.EX_TEMPFAIL else "451 4.3.0"
            return f"{code} {reply_text(str(e))}"
        except Exception:  # never a traceback to the client; the client keeps the message
            log.exception("sendmail -bs: writing to the maildrop failed")
            self.failures.append((os.EX_SOFTWARE, "writing to the maildrop failed"))
            return self.local_error
        finally:
            self.in_flight -= 1
        self.accepted += 1
        return QUEUED

    def queue_many(self, jobs: list[Any]) -> list[tuple[str, str]]:
        raise NotImplementedError("the maildrop takes one message at a time")  # never called
