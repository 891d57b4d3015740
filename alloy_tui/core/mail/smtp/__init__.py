"""SMTP: the client (`client.py`: settings check, TLS, login, explanations), the delivery
(`delivery.py`: one connection per run, the message's bytes as they are), one transaction on
an open connection (`envelope.py`) and `status` (`status.py`)."""
