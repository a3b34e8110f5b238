"""Passwords, signed session cookies and CSRF tokens.

Sessions are stateless signed cookies (itsdangerous, keyed by `Settings.secret_key`) that carry the user id and
the user's `session_epoch`; bumping the epoch in the database (logout everywhere, password change, deactivation)
invalidates every outstanding cookie without a sessions table. CSRF tokens are HMACs of the session nonce, so a
page can only submit forms for the session it was rendered for.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SESSION_COOKIE = "cc_session"
LOGIN_CSRF_COOKIE = "cc_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SESSION_MAX_AGE = 8 * 3600  # one working day from sign-in, then sign in again


class Role(enum.StrEnum):
    CODER = "coder"
    BILLER = "biller"
    MANAGER = "manager"
    ADMIN = "admin"


ALL_ROLES: frozenset[Role] = frozenset(Role)

# Argon2id with the library's RFC 9106 "low memory" defaults; tests lower the cost through `fast_hasher`.
_hasher = PasswordHasher()


def use_fast_hasher() -> None:
    """Cheap parameters for tests only: argon2 at full cost would dominate a fast test suite."""
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("password must have at least 8 characters")
    return _hasher.hash(password)


# A real hash to verify against when the user does not exist, so response time does not reveal user names.
_DUMMY_HASH: str | None = None


def verify_password(stored_hash: str | None, password: str) -> bool:
    global _DUMMY_HASH
    if stored_hash is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = _hasher.hash(secrets.token_hex(8))
        stored_hash = _DUMMY_HASH
        password = password + "\x00never"
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class SessionData:
    user_id: int
    epoch: int
    nonce: str


class SessionSigner:
    def __init__(self, secret_key: str, max_age: int = SESSION_MAX_AGE):
        self._s = URLSafeTimedSerializer(secret_key, salt="chartclaim.session")
        self._login = URLSafeTimedSerializer(secret_key, salt="chartclaim.login-csrf")
        self._key = hashlib.sha256(("csrf:" + secret_key).encode()).digest()
        self.max_age = max_age

    def dumps(self, data: SessionData) -> str:
        return self._s.dumps({"u": data.user_id, "e": data.epoch, "n": data.nonce})

    def loads(self, token: str | None) -> SessionData | None:
        if not token:
            return None
        try:
            raw = self._s.loads(token, max_age=self.max_age)
        except (BadSignature, SignatureExpired):
            return None
        if not isinstance(raw, dict):
            return None
        try:
            return SessionData(int(raw["u"]), int(raw["e"]), str(raw["n"]))
        except (KeyError, TypeError, ValueError):
            return None

    @staticmethod
    def new_session(user_id: int, epoch: int) -> SessionData:
        return SessionData(user_id, epoch, secrets.token_urlsafe(16))

    def csrf_token(self, nonce: str) -> str:
        return hmac.new(self._key, nonce.encode(), hashlib.sha256).hexdigest()

    def check_csrf(self, nonce: str, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token(nonce), token or "")

    # The login form has no session yet: a double-submit token (signed cookie + hidden field) protects it.
    def new_login_csrf(self) -> tuple[str, str]:
        value = secrets.token_urlsafe(16)
        return self._login.dumps(value), value

    def check_login_csrf(self, cookie: str | None, field: str | None) -> bool:
        if not cookie or not field:
            return False
        try:
            value = self._login.loads(cookie, max_age=3600)
        except (BadSignature, SignatureExpired):
            return False
        return isinstance(value, str) and hmac.compare_digest(value, field)
