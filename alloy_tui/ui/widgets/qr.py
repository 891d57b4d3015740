"""A QR code drawn with half-block characters: light modules as blocks, so it reads on dark terminals."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from alloy_tui.ui.widgets.bigcode import half_blocks

QUIET = 2  # quiet-zone modules around the code (phone scanners cope with 2)


def qr_lines(data: str) -> list[str]:
    """The QR code of `data` as text lines (width = modules + 2*QUIET, height about half)."""
    import segno  # light, pure Python; loaded only when a code is shown

    qr = segno.make(data, error="m", micro=False)
    # light modules are drawn (True) so the code is dark-on-light once the terminal paints it
    rows = [[not dark for dark in row] for row in qr.matrix_iter(scale=1, border=QUIET)]
    return half_blocks(rows)


def qr_size(data: str) -> tuple[int, int]:
    lines = qr_lines(data)
    return (len(lines[0]) if lines else 0, len(lines))


class QRCode(Static):
    """Shows `data` as a QR code. The sign-in step hides it when the window is too small."""

    DEFAULT_CSS = """
    QRCode { width: auto; height: auto; color: #ffffff; background: #000000; }
    """

    def __init__(self, data: str = "", **kwargs: object) -> None:
        super().__init__("", markup=False, **kwargs)  # type: ignore[arg-type]
        self.data = data
        self.lines: list[str] = []
        if data:
            self.set_data(data)

    def set_data(self, data: str) -> None:
        self.data = data
        self.lines = qr_lines(data) if data else []
        self.update(Text("\n".join(self.lines)))

    @property
    def needed(self) -> tuple[int, int]:
        return (len(self.lines[0]) if self.lines else 0, len(self.lines))
