"""alloy-tui: outgoing notification e-mail for servers, set up and watched from the terminal."""

__version__ = "0.1.0"
