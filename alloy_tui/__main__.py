"""`python -m alloy_tui` runs the same command line as `alloy-tui`."""

from alloy_tui.launch import main

if __name__ == "__main__":
    main()
