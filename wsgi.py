"""Entry point for gunicorn (`gunicorn wsgi:app`), the job worker and the Flask CLI
(`flask --app wsgi ...`)."""

from portal import create_app, freeze_startup_objects

app = create_app()
freeze_startup_objects()
