"""An admin deactivates and reactivates a user; when each happened is kept, never overwritten."""

import threading

from sqlalchemy import select

from portal.accounts import services as accounts
from portal.auth.models import Deactivation, Role, User
from portal.extensions import db


def _spans(app, user_id: int) -> list[tuple[bool, bool]]:
    """Each span, oldest first: (has a deactivation time, has a reactivation time)."""
    with app.app_context():
        return [(at is not None, back is not None) for at, back in db.session.execute(
            select(Deactivation.deactivated_at, Deactivation.reactivated_at)
            .where(Deactivation.user_id == user_id).order_by(Deactivation.id))]


def test_deactivating_twice_keeps_both_periods(app, make, signed_in, post_form):
    make.user("morgan@firm.example", role=Role.ADMIN)
    casey = make.user("casey@acme.example", organization="Acme Corp", name="Casey Lee")
    admin = signed_in("morgan@firm.example")
    for action in ("deactivate", "activate", "deactivate"):
        response = post_form(admin, f"/admin/users/{casey.id}/{action}", {}, "/admin/users")
        assert response.status_code == 302
    assert _spans(app, casey.id) == [(True, True), (True, False)]
    with app.app_context():
        assert db.session.get(User, casey.id).active is False


def test_two_admins_deactivating_at_once_open_one_period(app, make):
    admins = [make.user(f"admin{k}@firm.example", role=Role.ADMIN) for k in (1, 2)]
    casey = make.user("casey@acme.example", organization="Acme Corp", name="Casey Lee")
    barrier = threading.Barrier(2)
    errors = []

    def deactivate(admin_id: int) -> None:
        with app.app_context():
            user, by = db.session.get(User, casey.id), db.session.get(User, admin_id)
            barrier.wait()
            try:
                accounts.set_active(user, False, by=by)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 (reported by the assertion below)
                errors.append(error)

    threads = [threading.Thread(target=deactivate, args=(a.id,)) for a in admins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and _spans(app, casey.id) == [(True, False)]
