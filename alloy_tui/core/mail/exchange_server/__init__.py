"""Exchange Server (on-premises EWS, NTLM or Basic): the client (`client.py`: settings check,
password, the exchangelib Account, explanations), the delivery (`delivery.py`), `status`
(`status.py`) and Autodiscover (`discover.py`, `answer.py`)."""
