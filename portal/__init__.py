"""Application factory: config -> extensions -> blueprints -> errors -> CLI -> logging."""

from __future__ import annotations

import gc
import os
from pathlib import Path

from flask import Flask

from portal import config as portal_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    pass


def freeze_startup_objects() -> None:
    """Take what start-up made (modules, the app, compiled templates: about 250,000 objects)
    out of the garbage collector's full passes, which otherwise scan all of it again and
    again while a record renders (WeasyPrint makes objects by the hundred thousand): a
    record took a quarter longer in the app than in plain WeasyPrint. Those objects live as
    long as the process; garbage among them (there is little after a collection) stays."""
    gc.collect()
    gc.freeze()


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(portal_config.from_environment(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    _check_secret_key(app)

    from portal import errors, i18n, input_guard, logging_setup, page_cache, security, views
    from portal.auth import session as auth_session
    from portal.extensions import csrf, db, limiter, migrate

    logging_setup.init_app(app)
    input_guard.init_app(app)  # before CSRF reads forms and before any route is added
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    limiter.init_app(app)
    page_cache.init_app(app)
    auth_session.init_app(app)

    import assessments.advice_api  # verdict, director's decision, conditions in /api/v1
    import assessments.advice_views  # their forms and pages in /intern
    import assessments.aftercare_api  # monitoring, incidents, suspension in /api/v1
    import assessments.aftercare_views  # the monitoring page in /intern
    import assessments.api  # adds /api/v1/assessments to the API blueprint
    import assessments.api_docs  # its schemas in the OpenAPI document
    import assessments.audit_sentences  # the audit log in sentences (portal/audit_sentences)
    import assessments.board_sessions_api  # the board's sessions in /api/v1
    import assessments.board_sessions_views  # their form in /intern
    import assessments.feedback_owner  # residents' questions go to the algorithm's owner
    import assessments.overview_views  # the overview for admins and the director in /intern
    import assessments.review_views  # noqa: F401 - adds the review pages to /intern
    import portal.auth.api  # adds /api/v1/me to the API blueprint
    import portal.auth.audit_sentences  # noqa: F401 - each package registers its sentences
    import register.api  # adds /api/v1/algorithms and /api/openapi.json
    import register.audit_sentences  # the register's sentences
    import register.feedback_api  # noqa: F401 - residents' questions in /api/v1
    from assessments import open_work, plain_language
    from assessments.records.http import public_records_blueprint
    from assessments.views import blueprint as assessments_blueprint
    from portal.api import api_blueprint
    from portal.auth.views import blueprint as auth_blueprint
    from register import labels

    labels.init_app(app)
    plain_language.init_app(app)
    open_work.init_app(app)  # a person's open reviews, shown before deactivating them
    from register.residents import residents_blueprint
    from register.views import register_blueprint

    app.register_blueprint(views.blueprint)
    app.register_blueprint(register_blueprint)
    app.register_blueprint(residents_blueprint)
    app.register_blueprint(public_records_blueprint)
    app.register_blueprint(api_blueprint)
    app.register_blueprint(auth_blueprint)
    app.register_blueprint(assessments_blueprint)
    from register.national.views import national_blueprint

    app.register_blueprint(national_blueprint)  # /intern/beheer/landelijk-register

    from register.quality.views import quality_blueprint

    app.register_blueprint(quality_blueprint)  # /intern/beheer/kwaliteit
    from register.compare_views import compare_blueprint

    app.register_blueprint(compare_blueprint)  # /vergelijk
    csrf.exempt(api_blueprint)  # the API authenticates with tokens, never with cookies

    errors.init_app(app)

    from assessments.cli import records_cli
    from assessments.reminders import reminders_cli
    from portal.auth.cli import users_cli
    from portal.cli import backup_command, demo_cli, restore_command
    from portal.jobs import jobs_cli
    from register.cli import register_cli

    app.cli.add_command(register_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(records_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    return app


def _check_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if app.config["PORTAL_ENV"] == "production" and not app.config.get("TESTING"):
        raise ConfigurationError(
            "SECRET_KEY is not set. Set it in the environment or in instance/config.py; "
            "for local development set PORTAL_ENV=development (make run does)."
        )
    # Development and tests: a throwaway key, new at each start.
    app.config["SECRET_KEY"] = os.urandom(32).hex()
