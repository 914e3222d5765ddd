"""Admin pages for API keys, and the API's documentation page."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.access import admin_required, changes_access
from portal.api import keys
from portal.api.forms import ApiKeyForm
from portal.api.models import ApiKey
from portal.auth.forms import ButtonForm
from portal.extensions import db

bp = Blueprint("api", __name__)


@bp.get("/api/docs")
def docs():
    """The OpenAPI document, readable (Swagger UI, served from our own static files)."""
    return render_template("api/docs.html")


@bp.get("/admin/api-keys")
@admin_required
def list_keys():
    """Every key with its scopes, expiry and last use, and the form for a new one."""
    return render_template("api/keys.html", keys=keys.all_keys(), form=ApiKeyForm(),
                           button=ButtonForm(), secret=None)


@bp.post("/admin/api-keys")
@admin_required
@changes_access
def create_key():
    """Issue a key; its secret is on this answer and nowhere else, ever."""
    form = ApiKeyForm()
    if not form.validate_on_submit():
        return render_template("api/keys.html", keys=keys.all_keys(), form=form,
                               button=ButtonForm(), secret=None), 422
    key, secret = keys.issue_key(by=current_user, **form.data_for_service())
    db.session.commit()
    return render_template("api/keys.html", keys=keys.all_keys(), form=ApiKeyForm(formdata=None),
                           button=ButtonForm(), secret=secret, new_key=key)


@bp.post("/admin/api-keys/<int:key_id>/revoke")
@admin_required
@changes_access
def revoke_key(key_id: int):
    """Stop a key working at once."""
    key = db.get_or_404(ApiKey, key_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    keys.revoke_key(key, by=current_user)
    db.session.commit()
    flash(f"The key \u201c{key.name}\u201d is revoked: programs using it get 401 from now on.")
    return redirect(url_for("api.list_keys"))
