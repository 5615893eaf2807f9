"""Celery tasks: thin wrappers that take primitive ids and call one service."""
