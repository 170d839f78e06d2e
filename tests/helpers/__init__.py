"""Plain functions shared by the tests (no fixtures: those live in `conftest.py` files and `tests/fixtures/`).

Test modules import from here, `tests.factories` and `tests.fixtures`, never from one another or from a conftest.
"""
