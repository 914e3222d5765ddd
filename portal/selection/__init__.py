"""Selection: candidates staff present on a placement project, shortlists, the client's
decisions on them, their expiry and erasure."""
