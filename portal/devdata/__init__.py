"""Demo and benchmark data: `flask --app portal demo` and `bench-data` load it; the product
never imports it (tests/layout/test_import_rules.py keeps it so)."""
