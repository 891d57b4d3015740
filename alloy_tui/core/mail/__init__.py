"""Sending: one small interface (`Transport.send`), one module per way of sending.

Heavy libraries load only in the transport that needs them: Graph never imports exchangelib.
"""
