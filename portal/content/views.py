"""Public pages for values and the recruiting process, the logo, and admin editing of both."""

from dataclasses import dataclass

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
from flask.blueprints import BlueprintSetupState
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from portal.access import admin_required
from portal.concurrency import ChangedMeanwhile, DeletedMeanwhile
from portal.content import brand, client_figures, services
from portal.content import favicon as favicon_mark
from portal.content.forms import (
    ClientFiguresForm,
    MoveForm,
    SettingsForm,
    StepForm,
    ValueForm,
)
from portal.content.models import ProcessStep, ValueItem
from portal.content.services import branding
from portal.extensions import db
from portal.forms import PortalForm
from portal.web import facts, fragments
from portal.web.markdown import render_markdown
from portal.web.static_files import ONE_YEAR

bp = Blueprint("content", __name__)


@dataclass(frozen=True)
class Kind:
    """One of the two ordered lists an admin edits: what it is called and how it is edited."""

    model: type[services.OrderedItem]
    form: type[PortalForm]
    noun: str
    markdown_fields: tuple[str, ...]


KINDS = {
    "values": Kind(ValueItem, ValueForm, "value", ("body", "example")),
    "steps": Kind(ProcessStep, StepForm, "process step", ("body",)),
}
KIND_RULE = "<any(values, steps):kind>"


@bp.app_context_processor
def inject_branding() -> dict:
    """Every template gets `branding`, and `firm_name` becomes the firm's saved name."""
    current = branding()
    return {"branding": current, "firm_name": current.firm_name}


@bp.record_once
def name_the_firm_in_fragments(state: BlueprintSetupState) -> None:
    """Cached fragments show the firm's name, which an admin can change at any time."""
    fragments.vary_by(state.app, lambda: branding().firm_name)


@bp.record_once
def read_branding_with_the_user(state: BlueprintSetupState) -> None:
    """Every signed-in page's header shows the branding: read it in the user's statement."""
    facts.add_fact(state.app, facts.Fact(services.BRANDING, services.header_columns))


@bp.record_once
def read_client_figures_with_the_user(state: BlueprintSetupState) -> None:
    """The pages showing the track record read what clients see of it in the user's statement."""
    facts.add_fact(state.app, facts.Fact(client_figures.CLIENT_FIGURES,
                                         client_figures.figure_columns,
                                         endpoints=client_figures.SHOWN_ON))


@bp.get("/values")
def values():
    """The firm's core values, each with an example of how it lives them. Public."""
    return render_template("content/values.html", items=services.ordered_items(ValueItem))


@bp.get("/process")
def process():
    """How the firm recruits, screens and selects the people it places. Public."""
    return render_template("content/process.html", steps=services.ordered_items(ProcessStep))


@bp.get("/branding/logo")
def logo():
    """The firm's logo, public, as the raster type it was checked to be; 404 when none."""
    settings = services.load_logo() or abort(404)
    response = current_app.response_class(settings.logo, mimetype=settings.logo_content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = "inline"
    response.cache_control.no_cache = True  # revalidate: the ETag makes that a cheap 304
    response.last_modified = settings.logo_updated_at
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/favicon.ico")
def favicon():
    """The tab icon from the logo (or the firm's initial), public; cached for a year when the
    URL carries the current version, revalidated otherwise."""
    current = branding()
    version = current.favicon_version

    def logo_bytes() -> bytes | None:
        settings = services.load_logo()
        return settings.logo if settings else None

    icon = favicon_mark.render(version, load_logo=logo_bytes, initial=current.firm_name[:1].upper(),
                               colour=current.accent, ink=current.accent_ink)
    response = current_app.response_class(icon, mimetype="image/vnd.microsoft.icon")
    response.set_etag(version)
    if request.args.get("v") == version:
        response.cache_control.public = True
        response.cache_control.max_age = ONE_YEAR
        response.cache_control.immutable = True
    else:
        response.cache_control.public = True
        response.cache_control.max_age = 3600
    return response.make_conditional(request)


@bp.get("/admin/content")
@admin_required
def admin_index():
    """Firm settings, the values and the process steps, with their edit buttons."""
    return render_template(
        "content/admin_index.html", settings=services.get_settings(),
        figures=client_figures.client_figures(), switches=client_figures.SWITCHES,
        values=services.ordered_items(ValueItem), steps=services.ordered_items(ProcessStep),
    )


@bp.route("/admin/content/settings", methods=["GET", "POST"])
@admin_required
def edit_settings():
    """The firm's name, brand colour and logo; a refused logo keeps the old one."""
    current = branding()
    form = SettingsForm(firm_name=current.firm_name, brand_color=current.brand_color)
    if not form.validate_on_submit():
        return _render_settings(form, 422 if form.is_submitted() else 200)
    try:
        services.update_settings(
            firm_name=form.firm_name.data, brand_color=form.brand_color.data,
            logo=form.logo_bytes(), remove_logo=form.remove_logo.data, by=current_user,
        )
    except services.ContentError as error:
        db.session.rollback()
        getattr(form, error.field).errors.append(str(error))
        return _render_settings(form, 422)
    db.session.commit()
    flash("Firm settings saved. Every page now shows them.", "success")
    warning = brand.contrast_warning(services.normalise_colour(form.brand_color.data))
    if warning:
        flash(warning, "warning")
    return redirect(url_for("content.admin_index"))


@bp.route("/admin/content/client-figures", methods=["GET", "POST"])
@admin_required
def edit_client_figures():
    """Which track-record figures clients see, and the fewest answers or deliveries behind one."""
    current = client_figures.client_figures()
    form = ClientFiguresForm(data=vars(current))
    form.opened_on(client_figures.figures_version(current))
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("content/client_figures.html", form=form), status
    try:
        client_figures.update_client_figures(by=current_user, seen=form.seen_version(),
                                             **form.data_for_service())
    except services.ContentError as error:
        db.session.rollback()
        getattr(form, error.field).errors.append(str(error))
        return render_template("content/client_figures.html", form=form), 422
    except ChangedMeanwhile as changed:
        db.session.rollback()
        form.show_current(changed)
        return render_template("content/client_figures.html", form=form, changed=changed,
                               current=client_figures.client_figures(),
                               switches=client_figures.SWITCHES), 409
    db.session.commit()
    flash("Saved. Clients' pages and closeout PDFs now follow these choices.", "success")
    return redirect(url_for("content.admin_index"))


def _render_settings(form: SettingsForm, status: int):
    saved = branding().brand_color
    return render_template(
        "content/edit_settings.html", form=form, contrast=brand.best_contrast(saved),
        contrast_warning=brand.contrast_warning(saved),
    ), status


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error: RequestEntityTooLarge):
    """A body over MAX_CONTENT_LENGTH cannot even be read: say so on the settings form."""
    if request.endpoint != "content.edit_settings":
        return render_template("errors/error.html", error=error), 413
    current = branding()
    form = SettingsForm(formdata=None, firm_name=current.firm_name, brand_color=current.brand_color)
    form.logo.errors = [f"That file is far over the {services.MAX_LOGO_BYTES // 1024} KB limit "
                        "for a logo. Nothing was saved; the old logo is kept."]
    return _render_settings(form, 413)


@bp.route(f"/admin/content/{KIND_RULE}/new", methods=["GET", "POST"])
@admin_required
def new_item(kind: str):
    """Add a value or a process step at the end of its list; Preview shows it, saves nothing."""
    spec = KINDS[kind]
    form = spec.form()
    if not form.validate_on_submit() or form.preview.data:
        return _render_item_form(spec, kind, form, item=None)
    title = services.add_item(spec.model, by=current_user, **form.data_for_service()).title
    db.session.commit()
    flash(f"“{title}” added.", "success")
    return redirect(url_for("content.admin_index", _anchor=kind))


@bp.route(f"/admin/content/{KIND_RULE}/<int:item_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_item(kind: str, item_id: int):
    """Change a value or a process step; Preview shows the change, saves nothing."""
    spec = KINDS[kind]
    item = db.session.get(spec.model, item_id)
    form = spec.form(obj=item)
    if item is None:
        if not form.is_submitted():
            abort(404)
        # Deleted by another admin while this one was editing: their words come back to add.
        return _render_item_form(spec, kind, form, item=None, deleted=True)
    form.opened_on(services.item_version(item))
    if not form.validate_on_submit() or form.preview.data:
        return _render_item_form(spec, kind, form, item=item)
    try:
        services.update_item(item, by=current_user, seen=form.seen_version(),
                             **form.data_for_service())
    except ChangedMeanwhile as changed:
        db.session.rollback()
        form.show_current(changed)
        return _render_item_form(spec, kind, form, item=item, changed=changed)
    except DeletedMeanwhile:
        db.session.rollback()
        return _render_item_form(spec, kind, form, item=None, deleted=True)
    title = item.title  # read before the commit: another admin may delete the item right after
    db.session.commit()
    flash(f"“{title}” saved.", "success")
    return redirect(url_for("content.admin_index", _anchor=kind))


def _render_item_form(spec: Kind, kind: str, form: PortalForm, *, item,
                      changed: ChangedMeanwhile | None = None, deleted: bool = False):
    """The form, with a sanitised preview when Preview was pressed; 422 when it had errors,
    409 when it came back because the item changed or was deleted meanwhile."""
    preview = None
    if form.is_submitted() and form.preview.data:
        preview = {name: render_markdown(getattr(form, name).data) for name in spec.markdown_fields}
    status = 409 if changed or deleted else 422 if form.errors else 200
    return render_template(
        "content/item_form.html", form=form, kind=kind, noun=spec.noun, item=item,
        preview=preview, changed=changed, deleted=deleted,
    ), status


@bp.post(f"/admin/content/{KIND_RULE}/<int:item_id>/delete")
@admin_required
def delete_item(kind: str, item_id: int):
    """Remove a value or a process step."""
    spec = KINDS[kind]
    gone = f"That {spec.noun} was already deleted by someone else."
    item = db.session.get(spec.model, item_id)
    if item is None:
        return _back_to_list(kind, gone)
    title = item.title
    try:
        services.delete_item(item, by=current_user)
    except DeletedMeanwhile:
        return _back_to_list(kind, gone)
    db.session.commit()
    flash(f"“{title}” deleted.", "success")
    return redirect(url_for("content.admin_index", _anchor=kind))


@bp.post(f"/admin/content/{KIND_RULE}/<int:item_id>/move")
@admin_required
def move_item(kind: str, item_id: int):
    """Move a value or a process step one place up or down."""
    spec = KINDS[kind]
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    gone = f"That {spec.noun} was deleted by someone else: nothing moved."
    item = db.session.get(spec.model, item_id)
    if item is None:
        return _back_to_list(kind, gone)
    try:
        moved = services.move_item(item, up=form.direction.data == "up", by=current_user)
    except DeletedMeanwhile:
        return _back_to_list(kind, gone)
    if moved:
        db.session.commit()
    return redirect(url_for("content.admin_index", _anchor=kind))


def _back_to_list(kind: str, message: str):
    """Nothing saved: back to the lists as they are now, saying why."""
    db.session.rollback()
    flash(message, "warning")
    return redirect(url_for("content.admin_index", _anchor=kind))
