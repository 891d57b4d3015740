"""Constants shared by the sandbox tests."""

from __future__ import annotations

GRAPH_SEND = "https://graph.microsoft.com/Mail.Send"
GRAPH_SHARED = "https://graph.microsoft.com/Mail.Send.Shared"
GRAPH_USER = "https://graph.microsoft.com/User.Read"
EWS_SCOPE = "https://outlook.office365.com/EWS.AccessAsUser.All"
