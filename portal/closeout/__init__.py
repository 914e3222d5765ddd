"""Closeout: the summary of a finished project, its PDF and the hand-off to client care."""
