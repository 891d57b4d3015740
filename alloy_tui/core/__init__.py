"""The headless core: settings, paths, sign-in, sending, alert log. Never imports Textual.

`lazy_names` is how a sub-package's front door loads its names on first use (PEP 562), so the
doors that run for every cron job and every monitoring poll import only what they use.
"""

from __future__ import annotations

# Not typing.TYPE_CHECKING: every door imports this package, and `typing` costs sendmail (every
# cron job) about a millisecond and a half.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any


def lazy_names(namespace: dict[str, Any], table: Mapping[str, str]) -> Callable[[str], object]:
    """The module ``__getattr__`` of a front door: ``__getattr__ = lazy_names(globals(), {...})``.

    `table` maps a submodule (relative to the package) to the names it gives, separated by
    spaces: ``"name"``, ``"alias=name"`` (that name under another one), ``"."`` (the submodule
    itself) or ``"alias=."``. A name is looked up once, then kept in the package's namespace.
    """
    package = str(namespace["__name__"])
    where: dict[str, tuple[str, str]] = {}
    for module, words in table.items():
        for word in words.split():
            name, _, attr = word.partition("=")
            if name == ".":
                name, attr = module, "."
            where[name] = (f"{package}.{module}", attr or name)

    def __getattr__(name: str) -> object:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, attr = where[name]
        # __import__, not importlib.import_module: importing importlib (and warnings) costs
        # sendmail's hand-off a third of a millisecond; fromlist makes it return the submodule
        module = __import__(module_name, fromlist=["__name__"])
        value = module if attr == "." else getattr(module, attr)
        namespace[name] = value
        return value

    return __getattr__
