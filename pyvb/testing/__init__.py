"""Helpers for tests against real services: database templates, service selection, broker."""
