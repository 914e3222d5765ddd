"""Client organisations and their users."""
