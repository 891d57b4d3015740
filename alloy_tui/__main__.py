"""`python -m alloy_tui` runs the same command line as `alloy-tui`."""

from alloy_tui.cli import main

if __name__ == "__main__":
    main()
