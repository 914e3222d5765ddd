"""Webhooks: endpoints admins register, events written with the change that caused them, and
signed deliveries the background workers send (Standard Webhooks)."""
