"""A device code drawn large (a 5x7 pixel font in half-block characters), four lines tall."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

_FONT_ROWS = """
A .###. #...# #...# ##### #...# #...# #...#
B ####. #...# #...# ####. #...# #...# ####.
C .###. #...# #.... #.... #.... #...# .###.
D ####. #...# #...# #...# #...# #...# ####.
E ##### #.... #.... ####. #.... #.... #####
F ##### #.... #.... ####. #.... #.... #....
G .###. #...# #.... #.### #...# #...# .####
H #...# #...# #...# ##### #...# #...# #...#
I .###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.
J ..### ...#. ...#. ...#. ...#. #..#. .##..
K #...# #..#. #.#.. ##... #.#.. #..#. #...#
L #.... #.... #.... #.... #.... #.... #####
M #...# ##.## #.#.# #.#.# #...# #...# #...#
N #...# #...# ##..# #.#.# #..## #...# #...#
O .###. #...# #...# #...# #...# #...# .###.
P ####. #...# #...# ####. #.... #.... #....
Q .###. #...# #...# #...# #.#.# #..#. .##.#
R ####. #...# #...# ####. #.#.. #..#. #...#
S .#### #.... #.... .###. ....# ....# ####.
T ##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..
U #...# #...# #...# #...# #...# #...# .###.
V #...# #...# #...# #...# #...# .#.#. ..#..
W #...# #...# #...# #.#.# #.#.# #.#.# .#.#.
X #...# #...# .#.#. ..#.. .#.#. #...# #...#
Y #...# #...# .#.#. ..#.. ..#.. ..#.. ..#..
Z ##### ....# ...#. ..#.. .#... #.... #####
0 .###. #...# #..## #.#.# ##..# #...# .###.
1 ..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.
2 .###. #...# ....# ...#. ..#.. .#... #####
3 ##### ...#. ..#.. ...#. ....# #...# .###.
4 ...#. ..##. .#.#. #..#. ##### ...#. ...#.
5 ##### #.... ####. ....# ....# #...# .###.
6 ..##. .#... #.... ####. #...# #...# .###.
7 ##### ....# ...#. ..#.. .#... .#... .#...
8 .###. #...# #...# .###. #...# #...# .###.
9 .###. #...# #...# .#### ....# ...#. .##..
- ..... ..... ..... .###. ..... ..... .....
"""

FONT: dict[str, tuple[str, ...]] = {
    parts[0]: tuple(parts[1:])
    for parts in (line.split() for line in _FONT_ROWS.strip().splitlines())
}
GLYPH_W = 5
GAP = 1


def half_blocks(rows: list[list[bool]]) -> list[str]:
    """Two pixel rows per text line: ▀ top, ▄ bottom, █ both, space neither."""
    if len(rows) % 2:
        rows = rows + [[False] * len(rows[0])]
    out = []
    for top, bottom in zip(rows[0::2], rows[1::2], strict=True):
        out.append(
            "".join(
                "█" if t and b else "▀" if t else "▄" if b else " "
                for t, b in zip(top, bottom, strict=True)
            )
        )
    return out


def can_draw(code: str) -> bool:
    return bool(code) and all(c in FONT for c in code.upper())


def render_code(code: str) -> list[str]:
    """The code as four lines of half-block text (empty list if a character has no glyph)."""
    code = code.upper()
    if not can_draw(code):
        return []
    pixels: list[list[bool]] = [[] for _ in range(7)]
    for n, ch in enumerate(code):
        for y, row in enumerate(FONT[ch]):
            if n:
                pixels[y].extend([False] * GAP)
            pixels[y].extend(c == "#" for c in row)
    return half_blocks(pixels)


def code_width(code: str) -> int:
    return len(code) * (GLYPH_W + GAP) - GAP if code else 0


class BigCode(Static):
    """The user code, big; falls back to spaced-out bold text when it would not fit."""

    DEFAULT_CSS = """
    BigCode { height: auto; width: auto; text-style: bold; }
    """

    def __init__(self, code: str = "", **kwargs: object) -> None:
        super().__init__("", markup=False, **kwargs)  # type: ignore[arg-type]
        self.code = code

    def set_code(self, code: str) -> None:
        self.code = code
        self.redraw()

    def on_resize(self) -> None:
        self.redraw()

    def _room(self) -> int:
        """Columns available: the nearest ancestor with a fixed width (the step's body), less a margin."""
        for node in self.ancestors_with_self:
            if node is not self and isinstance(node, Widget) and node.id == "body":
                return max(node.size.width - 10, 0)
        return max(self.app.size.width - 12, 0)

    def on_mount(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        if not self.code:
            self.update("")
            return
        lines = render_code(self.code) if code_width(self.code) <= self._room() else []
        if lines:
            self.update(Text("\n".join(lines), style="bold"))
        else:
            self.update(Text("  ".join(self.code.upper()), style="bold"))
