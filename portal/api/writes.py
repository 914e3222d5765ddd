"""Writes through the same services as the web forms (placeholder filled step by step)."""
