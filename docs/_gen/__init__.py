"""Generators of the documentation pages that are computed, never hand-copied.

Each module returns ``{path: markdown}``; ``docs/gen_pages.py`` writes them through
mkdocs-gen-files at build time, and ``tests/test_docs.py`` calls them directly.
"""
