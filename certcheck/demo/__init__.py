"""certcheck.demo."""
