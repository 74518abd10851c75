"""Alembic migrations. ``HEAD`` names the newest revision so ``tracker.db`` can tell, without
importing Alembic, whether a database is current; ``tests/test_db.py`` checks it against
Alembic's own idea of the head."""

HEAD = "0021"
