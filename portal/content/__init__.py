"""Content: firm settings and branding, the firm's values and its recruiting process."""
