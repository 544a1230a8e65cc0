"""The package version, in a module of its own so that any module can read it without
importing the package's ``__init__`` (the Excel front end does, and ``__init__`` calls it)."""

__version__ = "0.1.0"
