"""Two-factor sign-in for staff and admins: TOTP codes from an authenticator app, a QR code to
enrol, one-time recovery codes stored hashed, and the admins' "require it for all staff".
Functions flush; the caller commits."""

import base64
import hashlib
import hmac
import re
import secrets
import time

import pyotp
import segno
from markupsafe import Markup
from sqlalchemy import delete, select

from portal.audit import services as audit
from portal.auth.models import RecoveryCode, SecuritySettings, User
from portal.auth.services import end_all_sessions
from portal.db import utcnow
from portal.extensions import db

RECOVERY_CODE_COUNT = 10
TOTP_PERIOD = 30
TOTP_DRIFT_STEPS = 1  # one step either side: phones whose clocks are half a minute out
_SIX_DIGITS = re.compile(r"^\d{6}$")


class TwoFactorError(ValueError):
    """A two-factor change could not be made; the message is for the person at the form."""


class TwoFactorRequired(TwoFactorError):
    """The firm requires two-factor sign-in for staff: it cannot be turned off."""


def begin_enrolment(user: User) -> str:
    """A new secret for the user to scan; two-factor is on only once a code confirms it."""
    if user.has_two_factor:
        raise TwoFactorError("Two-factor sign-in is already on.")
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
    return user.totp_secret


def provisioning_uri(user: User, *, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(user.totp_secret or "").provisioning_uri(name=user.email,
                                                                issuer_name=issuer)


def qr_code_svg(uri: str) -> Markup:
    """The URI as an inline SVG QR code: no image request, no third party, works under CSP."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, title="QR code for your authenticator")
    return Markup(svg)  # noqa: S704 (segno writes the SVG itself; the URI is only encoded)


def verify_totp(user: User, code: str) -> bool:
    """A current code from the user's app, each time step accepted once so none is replayed."""
    code = code.replace(" ", "")
    if not user.totp_secret or not _SIX_DIGITS.match(code):
        return False
    totp = pyotp.TOTP(user.totp_secret, interval=TOTP_PERIOD)
    current = int(time.time()) // TOTP_PERIOD
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if hmac.compare_digest(totp.at(step * TOTP_PERIOD), code):
            user.totp_last_step = step
            return True
    return False


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code).lower()


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh one-time codes (56 random bits each); earlier codes stop working."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = base64.b32encode(secrets.token_bytes(7)).decode().rstrip("=").lower()
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(_normalise_code(raw))))
    db.session.flush()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one unused recovery code of this user's; each works once."""
    stmt = select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None),
        RecoveryCode.code_hash == _hash_code(_normalise_code(code)),
    )
    found = db.session.scalars(stmt).first()
    if found is None:
        return False
    found.used_at = utcnow()
    audit.record("auth.recovery_code_used", actor=user, target=user, summary=user.email)
    return True


def unused_recovery_codes(user: User) -> int:
    """How many recovery codes the user has left."""
    stmt = select(RecoveryCode.id).where(RecoveryCode.user_id == user.id,
                                         RecoveryCode.used_at.is_(None))
    return len(db.session.scalars(stmt).all())


def check_second_factor(user: User, code: str) -> bool:
    """A code from the app, or else one of the recovery codes."""
    code = (code or "").strip()
    if _SIX_DIGITS.match(code.replace(" ", "")):
        return verify_totp(user, code)
    return bool(code) and use_recovery_code(user, code)


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn two-factor on once the app shows a correct code; returns the recovery codes."""
    if user.has_two_factor:
        raise TwoFactorError("Two-factor sign-in is already on.")
    if not verify_totp(user, code):
        raise TwoFactorError("That code does not match; check the app and try the next one.")
    user.two_factor_enabled_at = utcnow()
    audit.record("auth.two_factor_enabled", actor=user, target=user, summary=user.email)
    return new_recovery_codes(user)


def _turn_off(user: User) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.totp_secret = None
    user.two_factor_enabled_at = None
    user.totp_last_step = None


def disable_two_factor(user: User, code: str) -> None:
    """Turn two-factor off with a current code (app or recovery), unless the firm requires it
    of staff; every session of the user ends (the caller renews the one in use)."""
    if user.is_staff and staff_two_factor_required():
        raise TwoFactorRequired("The firm requires two-factor sign-in for staff.")
    if not check_second_factor(user, code):
        raise TwoFactorError("That code is not right, or it has been used already.")
    _turn_off(user)
    end_all_sessions(user)
    audit.record("auth.two_factor_disabled", actor=user, target=user, summary=user.email)


def reset_two_factor(user: User, *, by: User) -> None:
    """An admin turns off a colleague's two-factor (a lost phone): their sessions end and, if
    the firm requires it, they set it up again at their next sign-in."""
    if user.id == by.id:
        raise TwoFactorError("Change your own two-factor sign-in from your account.")
    if not user.has_two_factor:
        raise TwoFactorError(f"{user.name} has no two-factor sign-in to reset.")
    _turn_off(user)
    end_all_sessions(user)
    audit.record("auth.two_factor_reset", actor=by, target=user, summary=user.email)


def regenerate_recovery_codes(user: User) -> list[str]:
    """A new set of recovery codes, the old ones void; every session of the user ends (the
    caller renews the one in use), so whoever saw the old codes is signed out too."""
    if not user.has_two_factor:
        raise TwoFactorError("Turn two-factor sign-in on first.")
    end_all_sessions(user)
    audit.record("auth.recovery_codes_renewed", actor=user, target=user, summary=user.email)
    return new_recovery_codes(user)


def get_security_settings() -> SecuritySettings | None:
    """The firm's security choices, if an admin ever saved them."""
    return db.session.get(SecuritySettings, 1)


def staff_two_factor_required() -> bool:
    """Admins have said every member of staff must use two-factor sign-in."""
    settings = get_security_settings()
    return bool(settings and settings.require_staff_two_factor)


def set_staff_two_factor_required(required: bool, *, by: User) -> None:
    """Require (or stop requiring) two-factor sign-in for all staff and admins."""
    settings = get_security_settings()
    if settings is None:
        settings = SecuritySettings(id=1, require_staff_two_factor=False)
        db.session.add(settings)
    if settings.require_staff_two_factor != required:
        audit.record("settings.staff_two_factor", actor=by,
                     summary="required for staff" if required else "optional for staff")
    settings.require_staff_two_factor = required
    db.session.flush()


def must_enrol(user: User) -> bool:
    """A member of staff who has to set up two-factor before doing anything else."""
    return user.is_staff and not user.has_two_factor and staff_two_factor_required()
