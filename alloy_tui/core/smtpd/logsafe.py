"""The listener's stderr (the journal under systemd) never carries a client's control bytes:
every record of the listener's loggers, aiosmtpd's included (it logs unknown commands and
addresses as the client sent them), goes through `printable` first, traceback too."""

from __future__ import annotations

import logging

from alloy_tui.core.errors import printable

LOGGERS = ("mail.log", "alloy_tui.smtpd", "asyncio")


class PrintableRecords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a record that can't be formatted: shown as its bare format
            text = str(record.msg)
        if not text.isprintable():
            record.msg, record.args = printable(text), ()
        if record.exc_info and not record.exc_text:
            trace = logging.Formatter().formatException(record.exc_info)
            record.exc_text = printable(trace, multiline=True)
        return True


_FILTER = PrintableRecords()


def install() -> None:
    """Idempotent: the filter on each of the listener's loggers."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
