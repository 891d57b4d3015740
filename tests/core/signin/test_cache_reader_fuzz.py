"""Issue 9 items 7 and 12: fuzz the token-cache reader with hypothesis.

Random bytes and random JSON shapes (MSAL's sections and field names with any JSON values) are
written to a real file and read the way status, send and logout read it: the snapshot, every
reader function, and (for what the reader accepts) MSAL's own cache searches and removals.
Every outcome is a clean result or an explained AlloyError, never a traceback.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import msal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alloy_tui.core.errors import AlloyError
from alloy_tui.core.signin import cache_file as auth_file
from alloy_tui.core.signin import cache_read as auth_cache

HOST = "login.microsoftonline.com"
CLIENT = "00000000-0000-0000-0000-000000000001"
SCOPES = ["https://graph.microsoft.com/Mail.Send"]
FIELDS = [
    "home_account_id",
    "environment",
    "username",
    "client_id",
    "realm",
    "target",
    "secret",
    "credential_type",
    "expires_on",
    "refresh_on",
    "cached_at",
    "token_type",
    "family_id",
]
SECTIONS = ["Account", "AccessToken", "RefreshToken", "IdToken", "AppMetadata", "Other"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from([HOST, CLIENT, "h.t", "AccessToken", "RefreshToken", "9999999999", SCOPES[0]]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
entries = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), values, max_size=8),
    values,
)
documents = st.one_of(
    st.dictionaries(
        st.sampled_from(SECTIONS),
        st.one_of(st.dictionaries(st.text(max_size=6), entries, max_size=3), values),
        max_size=5,
    ),
    values,
)

_DIR = Path(tempfile.mkdtemp(prefix="alloy-cache-fuzz-"))
os.chmod(_DIR, 0o700)
atexit.register(shutil.rmtree, _DIR, True)


def read_everything(data: bytes) -> None:
    path = _DIR / "token_cache.json"
    path.write_bytes(data)
    try:
        snap = auth_cache.CacheSnapshot(path)
    except AlloyError:
        return
    assert snap.damaged or isinstance(snap.data, dict)
    if snap.damaged:
        assert snap.why and snap.data == {}
        return
    for account in auth_cache.accounts(snap, HOST, CLIENT) + auth_cache.accounts(snap, HOST):
        auth_cache.refresh_tokens(snap, account, CLIENT)
        auth_cache.display_name(snap, account)
        auth_cache.access_token_expiry(snap, account, CLIENT, "t", SCOPES)
        auth_cache.cached_access_token(snap, account, CLIENT, SCOPES, "t")
    # What the reader accepts, MSAL must handle too (status, send and logout hand it to MSAL).
    cache = msal.SerializableTokenCache()
    cache.deserialize(auth_file._cache_class().persistence_class(str(path)).load())
    for kind in ("Account", "AccessToken", "RefreshToken", "IdToken", "AppMetadata"):
        list(cache.search(kind, target=SCOPES, query={"client_id": CLIENT}))
    for account in auth_cache.accounts(cache, HOST):
        auth_cache.forget(cache, account)


FUZZ = settings(
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


@FUZZ
@given(documents)
def test_random_json_shapes_never_give_a_traceback(doc: Any) -> None:
    read_everything(json.dumps(doc).encode("utf-8"))


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_never_give_a_traceback(data: bytes) -> None:
    read_everything(data)
