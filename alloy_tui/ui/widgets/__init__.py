"""Small widgets the wizard steps share."""
