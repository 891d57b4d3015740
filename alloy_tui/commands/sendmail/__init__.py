"""The sendmail door: `alloy-sendmail`, a `sendmail`/`mailq`/`newaliases` symlink, `alloy-tui
sendmail`. The plain hand-off (`handoff.py`) imports only what writing the message needs; the
other modes (-bp, -bs, -q, -bi) and the maildrop load their own modules."""
