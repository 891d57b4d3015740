"""The live alert-log screen (Line API over line offsets; never a widget per entry)."""

from __future__ import annotations

from alloy_tui.ui.alertlog.screen import AlertLogScreen

__all__ = ["AlertLogScreen"]
