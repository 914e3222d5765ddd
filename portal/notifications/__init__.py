"""Notifications: the email outbox, email rendering, weekly digests and unsubscribing."""
