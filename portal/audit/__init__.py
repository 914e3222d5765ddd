"""The audit log: who changed what a client sees, and who signed in, from where and when."""
