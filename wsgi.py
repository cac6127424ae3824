"""Entry point for gunicorn (`gunicorn wsgi:app`), the job worker and the Flask CLI
(`flask --app wsgi ...`)."""

from portal import create_app, freeze_startup_objects

app = create_app()
freeze_startup_objects()


def warm_up() -> None:
    """Load the register's per-generation tables in this process (gunicorn.conf.py calls it
    in each new worker). A database that is not ready yet is left to the first request."""
    from register import queries

    queries.warm_up(app)
