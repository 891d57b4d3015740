"""A local stand-in for Entra ID, Microsoft Graph sendMail and EWS CreateItem on https://127.0.0.1.

`Sandbox` is the server; `open_sandbox_session()` (in .session) gives a throwaway config that
points at one. Nothing here ever talks to Microsoft.
"""

from __future__ import annotations

from alloy_tui.sandbox.server import Sandbox
from alloy_tui.sandbox.store import SCENARIOS, DeliveredMessage, RecordedRequest

__all__ = ["SCENARIOS", "DeliveredMessage", "RecordedRequest", "Sandbox"]
