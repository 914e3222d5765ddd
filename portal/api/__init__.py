"""The JSON API under /api/v1/, its OpenAPI document and docs page, and API keys."""
