"""certcheck: audit the Network Operator certificates placed on GB smart meters."""

__version__ = "0.1.0"
SCHEMA_VERSION = "1"
# The project's home (its README documents every finding code); pyproject.toml's URLs match it.
PROJECT_URL = "https://github.com/smki-certcheck/smki-certcheck"
