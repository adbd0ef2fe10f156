"""Backups that restore: online copies of the whole database, their manifests, checking
a copy without touching the live database, and bringing one back (``operations.py``);
``flask backup`` (``commands.py``) and the admin page (``views.py``)."""
