"""certcheck's command line: typer, with click's plain help.

typer formats help and errors with rich when rich can be imported, and imports rich (with
markdown-it, its traceback and pretty-printing) on import: about 0.1 s CPU before any command
runs, which alone would put ``certcheck --help`` past its 0.2 s budget (SPEC.md "Performance
targets"). So typer is imported here, before any command module, with rich hidden from it;
rich stays importable, and is imported by the table views when they render.
"""

import sys

_rich = sys.modules.get("rich")
sys.modules["rich"] = None  # type: ignore[assignment]  # `import rich` raises ImportError
try:
    import typer  # noqa: F401
finally:
    if _rich is None:
        del sys.modules["rich"]
    else:
        sys.modules["rich"] = _rich
