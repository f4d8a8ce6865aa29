"""certcheck.formats.gbcs."""
