"""Console scripts written before the sendmail door became a package (`alloy-sendmail` of an
install not yet upgraded, or an editable install's) name this module: it is the same door."""

from alloy_tui.commands.sendmail.handoff import main

__all__ = ["main"]
