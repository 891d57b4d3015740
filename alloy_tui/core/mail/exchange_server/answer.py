"""An Autodiscover (POX) answer: the EWS URL, a redirect or an error; entities refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element


@dataclass(frozen=True)
class Answer:
    action: str  # "settings" | "redirectAddr" | "redirectUrl" | "error"
    ews_url: str = ""
    redirect: str = ""
    error: str = ""


def parse_answer(data: bytes) -> Answer:
    """The parts of a POX answer we use; namespaces ignored, entities refused."""
    from defusedxml import ElementTree as DET
    from defusedxml.common import DefusedXmlException

    try:
        root = DET.fromstring(data)
    except (DefusedXmlException, SyntaxError, ValueError) as e:
        return Answer("error", error=f"the answer is not Autodiscover XML ({type(e).__name__})")
    if _local(root) != "Autodiscover":
        return Answer("error", error="the answer is not Autodiscover XML")
    for elem in root.iter():
        if _local(elem) == "Error":
            code, message = _child_text(elem, "ErrorCode"), _child_text(elem, "Message")
            message = message.rstrip(".") or "no message"
            return Answer("error", error=f"error {code or '?'}: {message}")
    return _settings_answer(root)


def _settings_answer(root: Element) -> Answer:
    """A redirect, else the EWS URL (Exchange's own protocol first), from an answer without Error."""
    urls: dict[str, str] = {}
    action = ""
    redirect = ""
    for elem in root.iter():
        name = _local(elem)
        if name == "Action":
            action = (elem.text or "").strip()
        elif name in ("RedirectAddr", "RedirectUrl"):
            redirect = (elem.text or "").strip()
        elif name == "Protocol":
            kind, ews = _child_text(elem, "Type").upper(), _child_text(elem, "EwsUrl")
            if kind and ews:
                urls.setdefault(kind, ews)
    if action in ("redirectAddr", "redirectUrl") and redirect:
        return Answer(action, redirect=redirect)
    ews_url = urls.get("EXCH") or urls.get("EXPR") or next(iter(urls.values()), "")
    if ews_url:
        return Answer("settings", ews_url=ews_url)
    return Answer("error", error="the answer has no EWS URL")


def _local(elem: Element) -> str:
    return str(elem.tag).rpartition("}")[2]


def _child_text(elem: Element, name: str) -> str:
    for c in elem:
        if _local(c) == name:
            return (c.text or "").strip()
    return ""
