"""Every write to the ledger goes through a function in this package.

Admin, API, management commands and Celery tasks call these functions; none of them
changes a status or saves a model on its own.
"""
