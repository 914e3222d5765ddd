"""Unsubscribing from an email link: GET asks, POST stops the emails.

Mail scanners open links, so GET only shows a confirmation and never changes anything. The
POST comes from that page (with a CSRF token) or from a mail client's RFC 8058 one-click
unsubscribe, which cannot carry a CSRF token; the signed token in the URL, bound to the user,
is what authorises it.
"""

from flask import Blueprint, render_template, request
from flask_wtf.csrf import CSRFError

from portal.auth.models import UpdateEmails, User
from portal.extensions import csrf, db
from portal.notifications import services
from portal.notifications.forms import UnsubscribeForm
from portal.notifications.rendering import BadUnsubscribeToken, user_id_from_token

bp = Blueprint("notifications", __name__)

ONE_CLICK = "One-Click"


def _user_or_error(token: str) -> User | tuple[str, int]:
    """The token's user, or the page explaining that the link is not valid (400)."""
    try:
        user = db.session.get(User, user_id_from_token(token))
    except BadUnsubscribeToken as error:
        return render_template("notifications/unsubscribe_invalid.html", reason=str(error)), 400
    if user is None:
        reason = "This unsubscribe link is for an account that no longer exists."
        return render_template("notifications/unsubscribe_invalid.html", reason=reason), 400
    return user


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str):
    """Ask whether to stop the emails; changes nothing (link scanners open this). Public."""
    user = _user_or_error(token)
    if not isinstance(user, User):
        return user
    return render_template(
        "notifications/unsubscribe.html", form=UnsubscribeForm(), email=user.email,
        already=user.update_emails == UpdateEmails.NONE,
    )


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def confirm_unsubscribe(token: str):
    """Stop every portal email to the token's user. Public: the token is the authority."""
    if request.form.get("List-Unsubscribe") != ONE_CLICK:
        csrf.protect()  # the confirmation page's form must carry its CSRF token
    user = _user_or_error(token)
    if not isinstance(user, User):
        return user
    services.unsubscribe(user)
    db.session.commit()
    return render_template("notifications/unsubscribed.html", email=user.email)


@bp.errorhandler(CSRFError)
def expired_form(error: CSRFError):
    """A stale confirmation form: say so and change nothing (no sign-in needed here)."""
    reason = "This form expired before it was sent. Open the link in the email again."
    return render_template("notifications/unsubscribe_invalid.html", reason=reason), 400
