"""Microsoft Graph: the delivery (`delivery.py`: the base64 of the MIME to sendMail, 202), the
draft path for messages over one request (`large.py`: a draft, attachments, upload sessions)
and a text body too big for a draft's JSON (`text.py`: output.txt). Named by the table of
services (`mail/services.py`); nothing is imported here, so the package costs nothing."""
