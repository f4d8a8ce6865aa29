"""The default input limits (certcheck.audit.limits.DEFAULT_LIMITS), as plain numbers.

``--help`` shows them; reading them from here spares it the limits' dataclass.
"""

MAX_ITEM_BYTES = 16 * 1024 * 1024
MAX_LINE_BYTES = 16 * 1024 * 1024
MAX_DER_DEPTH = 32
MAX_CERTIFICATES = 64
MAX_XML_DEPTH = 64
