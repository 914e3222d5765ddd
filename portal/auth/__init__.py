"""Sign-in, sign-out and the User model."""
