"""Residents' channel: questions about an entry, subscriptions to notices of change, and the
internal queue where the coordinator and owners answer questions.

The public forms carry no CSRF token: the entry page is served from the page cache to
everyone, and nobody is logged in. They are guarded by a honeypot field, a signed time
stamp (too fast is a robot) and a rate limit per client address instead. Unsubscribing by
POST is RFC 8058's one-click: mail programs send it without any token of ours.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import Length, Optional

from portal.auth.session import internal_required
from portal.extensions import csrf, db, limiter
from register import feedback, queries, subscriptions

residents_blueprint = Blueprint("residents", __name__)
HONEYPOT_FIELD = "website"


def _locale() -> str:
    return str(get_locale() or "nl")


@residents_blueprint.app_template_global()
def feedback_form_stamp() -> str:
    return feedback.form_stamp()


@residents_blueprint.app_template_global("format_decimal")
def format_decimal_global(value: float) -> str:
    return format_decimal(value)


@residents_blueprint.app_template_global()
def public_feedback(algorithm_id: int) -> feedback.PublicFeedback:
    return feedback.public_feedback(db.session, algorithm_id)


@residents_blueprint.post("/algoritmes/<slug>/vraag")
@csrf.exempt
@feedback.feedback_limit
def ask(slug: str):
    algorithm = queries.get_published(db.session, slug) or abort(404)
    values = {
        "message": request.form.get("message", ""),
        "email": request.form.get("email", ""),
    }
    spam = feedback.looks_like_spam(
        request.form.get(HONEYPOT_FIELD, ""), request.form.get("started", "")
    )
    if spam is not None:
        # A person who was just quick (or whose page was open for days) sends again.
        notice = (
            _("You sent the form very quickly. Check your message and send it again.")
            if spam == "too_fast"
            else _("We could not send your message. Please send it again.")
        )
        return render_template(
            "register/feedback_sent.html",
            algorithm=algorithm,
            values=values,
            errors={},
            notice=notice,
        ), 422
    try:
        item = feedback.submit(db.session, algorithm, values["message"], values["email"], _locale())
    except feedback.FeedbackError as error:
        return render_template(
            "register/feedback_sent.html",
            algorithm=algorithm,
            values=values,
            errors={k: _(v) for k, v in error.fields.items()},
            notice=None,
        ), 422
    db.session.commit()
    return render_template(
        "register/feedback_sent.html", algorithm=algorithm, item=item, has_email=bool(item.email)
    )


# --- subscriptions ---------------------------------------------------------------------


def _subscribe_page(status: int = 200, **context):
    departments, themes = subscriptions.choices(db.session)
    algorithm = None
    slug = context.pop("slug", None) or request.args.get("algoritme", "")
    if slug:
        algorithm = queries.get_published(db.session, slug)
    return render_template(
        "register/subscribe.html",
        departments=departments,
        themes=themes,
        algorithm=algorithm,
        values=context.pop("values", {}),
        errors=context.pop("errors", {}),
        **context,
    ), status


@residents_blueprint.get("/abonneren")
def subscribe_form():
    values = {
        "scope": request.args.get("scope", ""),
        "value": request.args.get("value", ""),
    }
    return _subscribe_page(values=values)


@residents_blueprint.post("/abonneren")
@csrf.exempt
@limiter.limit(lambda: current_app.config["SUBSCRIBE_RATE_LIMIT"], methods=["POST"])
def subscribe():
    form = request.form
    values = {k: form.get(k, "") for k in ("email", "scope", "value", "algorithm", "frequency")}
    if form.get(HONEYPOT_FIELD):
        return _subscribe_page(
            422,
            values=values,
            errors={"email": _("Please send it again.")},
            slug=values["algorithm"],
        )
    try:
        subscriptions.subscribe(
            db.session,
            values["email"],
            values["scope"],
            value=values["value"],
            slug=values["algorithm"],
            frequency=values["frequency"] or subscriptions.IMMEDIATE,
            locale=_locale(),
        )
    except subscriptions.SubscriptionError as error:
        return _subscribe_page(
            422,
            values=values,
            errors={k: _(v) for k, v in error.fields.items()},
            slug=values["algorithm"],
        )
    db.session.commit()
    # The same answer whether or not the address was subscribed already.
    return render_template("register/subscription_result.html", outcome="requested")


@residents_blueprint.get("/abonneren/bevestigen/<token>")
def confirm_subscription(token: str):
    subscription = subscriptions.confirm(db.session, token)
    if subscription is None:
        return render_template("register/subscription_result.html", outcome="unknown"), 404
    db.session.commit()
    return render_template(
        "register/subscription_result.html",
        outcome="confirmed",
        scope=subscriptions.scope_label(subscription),
        unsubscribe_token=subscription.unsubscribe_token,
    )


@residents_blueprint.route("/afmelden/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """GET shows a button (link scanners open links in mail); POST unsubscribes, from the
    button or from a mail program's one-click (RFC 8058)."""
    subscription = subscriptions.by_unsubscribe_token(db.session, token)
    if request.method == "GET":
        if subscription is None:
            return render_template("register/subscription_result.html", outcome="gone"), 404
        return render_template(
            "register/unsubscribe.html",
            token=token,
            scope=subscriptions.scope_label(subscription),
        )
    subscriptions.unsubscribe(db.session, token)
    db.session.commit()
    # Also when it was gone already: unsubscribing twice is not an error.
    return render_template("register/subscription_result.html", outcome="unsubscribed")


# --- the internal queue ----------------------------------------------------------------


class FeedbackHandleForm(FlaskForm):
    status = SelectField(
        "Status", choices=[SelectChoice(s, s) for s in feedback.STATUSES], validators=[Optional()]
    )
    owner_id = SelectField("Owner", choices=[], validate_choice=False)
    answer = TextAreaField(
        "Answer", validators=[Optional(), Length(max=feedback.MAX_ANSWER_LENGTH)]
    )
    public_summary = TextAreaField(
        "Public summary", validators=[Optional(), Length(max=feedback.MAX_SUMMARY_LENGTH)]
    )


def _internal_people() -> list:
    from portal.auth.models import User

    return list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)))


@residents_blueprint.get("/intern/vragen")
@internal_required(feedback.can_use_queue)
def queue():
    status = request.args.get("status") or None
    if status not in (None, *feedback.STATUSES):
        status = None
    return render_template(
        "register/feedback_queue.html",
        questions=feedback.queue_for(db.session, current_user, status),
        status=status,
        answer_days=int(current_app.config["FEEDBACK_ANSWER_DAYS"]),
        statuses=feedback.STATUSES,
        status_labels=feedback.STATUS_LABELS,
    )


@residents_blueprint.route("/intern/vragen/<int:feedback_id>", methods=["GET", "POST"])
@internal_required(feedback.can_use_queue)
def handle(feedback_id: int):
    item = db.session.get(feedback.Feedback, feedback_id)
    if item is None or not feedback.can_see(current_user, item):
        abort(404)
    coordinator = feedback.can_publish_summary(current_user)
    form = FeedbackHandleForm(
        data={
            "status": item.status,
            "owner_id": str(item.owner_id or ""),
            "answer": item.answer,
            "public_summary": item.public_summary or "",
        }
        if request.method == "GET"
        else None
    )
    form.status.choices = [SelectChoice(s, _(feedback.STATUS_LABELS[s])) for s in feedback.STATUSES]
    people = {str(p.id): p for p in _internal_people()}
    form.owner_id.choices = [SelectChoice("", "-")] + [
        SelectChoice(key, p.name) for key, p in people.items()
    ]
    if form.validate_on_submit():
        changes: dict = {"status": form.status.data or None, "answer": form.answer.data or ""}
        if coordinator:
            changes["public_summary"] = form.public_summary.data or None
            owner = people.get(form.owner_id.data or "")
            changes["owner_id"] = owner.id if owner is not None else None
        try:
            feedback.update(db.session, current_user, item, **changes)
        except feedback.FeedbackPermissionError:
            db.session.rollback()
            abort(403)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("residents.handle", feedback_id=item.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "register/feedback_item.html",
        item=item,
        form=form,
        coordinator=coordinator,
        answer_days=int(current_app.config["FEEDBACK_ANSWER_DAYS"]),
        status_labels=feedback.STATUS_LABELS,
    ), status
