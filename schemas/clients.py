"""How a submitting program names itself to the registry: the `Registry-Client` header.

The toolkit sends `Registry-Client: registry-toolkit/<version>`; the registry records
such a submission with the source `toolkit` and that version. Defined here, in the
shared standard, because both sides read it: the toolkit imports nothing of `registry`.
"""

from __future__ import annotations

import re

CLIENT_HEADER = "Registry-Client"
TOOLKIT_PRODUCT = "registry-toolkit"
TOOLKIT_SOURCE = "toolkit"
# A release number as the toolkit's versions are written: 0.1.0, 1.2, 2.0.1rc1, 1.0.post2.
VERSION = r"[0-9]{1,4}(?:\.[0-9]{1,4}){1,3}(?:(?:a|b|rc|\.post|\.dev)[0-9]{1,4})?"
# The whole header value (also the OpenAPI pattern; the product name needs no escaping).
CLIENT_PATTERN = f"^{TOOLKIT_PRODUCT}/({VERSION})$"
CLIENT_FORMAT = f"{TOOLKIT_PRODUCT}/<version>, e.g. {TOOLKIT_PRODUCT}/0.1.0"


def toolkit_client(version: str) -> str:
    """The header value the toolkit of this version sends."""
    return f"{TOOLKIT_PRODUCT}/{version}"


def toolkit_version(value: str) -> str | None:
    """The toolkit version a header value names, or None when it is not a toolkit's."""
    found = re.match(CLIENT_PATTERN, value.strip())
    return found[1] if found else None
