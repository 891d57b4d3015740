"""The headless core: settings, paths, sign-in, sending, alert log. Never imports Textual."""
