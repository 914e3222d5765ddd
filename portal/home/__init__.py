"""The two dashboards, client home and staff home, and the health check."""
