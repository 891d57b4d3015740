"""The Textual face of alloy-tui: the setup wizard and its screens. Only this package imports Textual."""
