"""EWS: the exchangelib Account for Exchange Online (`account.py`: bearer token, pinned version,
impersonation for app-only), what both EWS deliveries share (`items.py`: the MIME as one
CreateItem, closing), and Exchange Online's delivery (`delivery.py`). Exchange Server's is in
`mail/exchange_server/`. exchangelib loads only inside these modules' functions."""
