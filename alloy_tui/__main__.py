"""`python -m alloy_tui` runs the same command line as `alloy-tui`.

Run from a clone by a Python that lacks alloy-tui's dependencies (Debian's own python3, say), it
says in one line how to install them, instead of a ModuleNotFoundError traceback. Only a missing
module outside alloy_tui is caught, and only here, at the entry point.
"""

import sys

HOW = (
    "install alloy-tui with its dependencies: on a server the .deb (or pipx for one user), see "
    "the README's 'Install on a server'; from a clone: python3 -m venv .venv && "
    ".venv/bin/python -m pip install -e ."
)


def missing_dependency(e: ModuleNotFoundError) -> str | None:
    """The name of the missing package when it is not alloy_tui's own module, else None."""
    top = (e.name or "").partition(".")[0]
    return top if top and top != "alloy_tui" else None


def run() -> None:
    try:
        from alloy_tui.launch import main

        main()
    except ModuleNotFoundError as e:
        name = missing_dependency(e)
        if name is None:
            raise
        print(
            f"alloy-tui: the Python package {name!r} is not installed for {sys.executable}; {HOW}",
            file=sys.stderr,
        )
        sys.exit(1)


if __name__ == "__main__":
    run()
