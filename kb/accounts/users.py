"""Web accounts: users, roles, passwords and API tokens, in ``<data_dir>/users.sqlite``.

kb stays free of web dependencies: passwords are hashed with ``hashlib.scrypt`` (a
random 16-byte salt per password; the cost parameters are stored with the hash, so they
can be raised later) and compared in constant time. API tokens are random 256-bit
secrets shown once; only their SHA-256 is stored (a token is as strong as a key, so a
fast hash is enough). The web app (web/auth.py) uses this module; so does
``claimkb user``.

Roles are ordered: reader < annotator < editor < admin. ``User.can("editor")`` is true
for editors and admins.

Failed logins are throttled per user name: after ``FREE_FAILURES`` failures in a row,
each further attempt must wait ``2 ** (failures - FREE_FAILURES)`` seconds (at most
``MAX_BACKOFF``) — also with the right password — and a success resets the count.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import sqlite3
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator

from kb.errors import InputError, KBError, NotFound

ROLES = ("reader", "annotator", "editor", "admin")
USERS_FILE = "users.sqlite"
TOKEN_PREFIX = "ckb_"
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
FREE_FAILURES = 5
MAX_BACKOFF = 300.0  # seconds

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name      TEXT PRIMARY KEY COLLATE NOCASE,
    role      TEXT NOT NULL,
    password  TEXT NOT NULL,
    created   TEXT NOT NULL,
    failures  INTEGER NOT NULL DEFAULT 0,
    last_failure REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tokens (
    id        INTEGER PRIMARY KEY,
    user      TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE ON UPDATE CASCADE,
    hash      TEXT NOT NULL UNIQUE,
    label     TEXT,
    created   TEXT NOT NULL,
    last_used TEXT
);
"""


class LoginThrottled(KBError):
    """Too many failed logins for this user name in a row; ``retry_after`` seconds to wait."""

    exit_code = 2

    def __init__(self, retry_after: float):
        self.retry_after = max(1, int(retry_after + 0.999))
        super().__init__(f"too many failed logins; try again in {self.retry_after} s")


@dataclass(frozen=True)
class User:
    name: str
    role: str
    created: str
    # Changes whenever the password does: the web app keeps it in the session, so that
    # a password change (or removal and re-creation) logs out every other session.
    fingerprint: str = ""

    def can(self, role: str) -> bool:
        """Whether this user has ``role``'s privileges (roles are ordered)."""
        return ROLES.index(self.role) >= ROLES.index(_role(role))


@dataclass(frozen=True)
class Token:
    id: int
    user: str
    label: str | None
    created: str
    last_used: str | None


def _role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
    return role


def check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InputError(f"not a valid user name: {name!r} (1-64 letters, digits, . _ @ -, "
                         "starting with a letter or digit)")
    return name


def check_password(password: str, name: str | None = None) -> None:
    """Raise InputError unless ``password`` is acceptable (length, variety, not the name)."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise InputError(f"the password is too short: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InputError(f"the password is too long: at most {MAX_PASSWORD} characters")
    if len(set(password)) < 4:
        raise InputError("the password is too weak: use more different characters")
    if name and name.lower() in password.lower():
        raise InputError("the password must not contain the user name")


def hash_password(password: str) -> str:
    """"scrypt$n$r$p$<salt hex>$<hash hex>"."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = bytes.fromhex(digest)
        got = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt),
                             n=int(n), r=int(r), p=int(p), dklen=len(expected),
                             maxmem=256 * int(n) * int(r) + 2 ** 20)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


# A hash to verify against when the user does not exist, so that the answer takes as
# long as for a wrong password (no user-name probing by timing).
@lru_cache(maxsize=1)
def _dummy() -> str:
    return hash_password(secrets.token_hex(16))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _fingerprint(stored_hash: str) -> str:
    return hashlib.sha256(("session\x1f" + stored_hash).encode("utf-8")).hexdigest()[:16]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Users:
    """The accounts of one claimkb instance, in an SQLite file.

    Every call opens its own connection, so one Users object may be shared by threads.
    ``clock`` (seconds, like time.time) is what login throttling measures time with.
    """

    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.clock = clock
        self._ready = False

    @classmethod
    def for_settings(cls, settings) -> "Users":
        return cls(Path(settings.data_dir) / USERS_FILE)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=30)) as conn:
            conn.execute("PRAGMA foreign_keys = ON")
            if not self._ready:
                conn.executescript(_SCHEMA)
                self._ready = True
            with conn:  # one transaction: committed on success, rolled back on error
                yield conn

    # ------------------------------------------------------------------ users

    def add_user(self, name: str, password: str, role: str = "reader") -> User:
        """Create a user. Raises InputError for a bad name, a weak password, an unknown
        role, or a name already taken (names are case-insensitive)."""
        check_name(name)
        _role(role)
        check_password(password, name)
        stored = hash_password(password)
        with self._db() as db:
            try:
                db.execute("INSERT INTO users (name, role, password, created) VALUES (?, ?, ?, ?)",
                           (name, role, stored, _now()))
            except sqlite3.IntegrityError:
                raise InputError(f"user {name!r} exists already") from None
        return self.get_user(name)

    def get_user(self, name: str) -> User:
        """Raises NotFound."""
        with self._db() as db:
            row = db.execute("SELECT name, role, created, password FROM users WHERE name = ?",
                             (name,)).fetchone()
        if row is None:
            raise NotFound(f"no user {name!r}")
        return User(row[0], row[1], row[2], _fingerprint(row[3]))

    def list_users(self) -> list[User]:
        with self._db() as db:
            rows = db.execute("SELECT name, role, created, password FROM users "
                              "ORDER BY name COLLATE NOCASE").fetchall()
        return [User(r[0], r[1], r[2], _fingerprint(r[3])) for r in rows]

    def set_password(self, name: str, password: str) -> None:
        """Raises NotFound, InputError (weak password). Resets the failure count."""
        user = self.get_user(name)
        check_password(password, user.name)
        stored = hash_password(password)
        with self._db() as db:
            db.execute("UPDATE users SET password = ?, failures = 0 WHERE name = ?",
                       (stored, name))

    def set_role(self, name: str, role: str) -> User:
        """Raises NotFound, InputError (unknown role)."""
        _role(role)
        with self._db() as db:
            if db.execute("UPDATE users SET role = ? WHERE name = ?", (role, name)).rowcount == 0:
                raise NotFound(f"no user {name!r}")
        return self.get_user(name)

    def remove_user(self, name: str) -> None:
        """Remove a user and their API tokens. Raises NotFound."""
        with self._db() as db:
            if db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 0:
                raise NotFound(f"no user {name!r}")

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when ``password`` is theirs, else None (unknown user or wrong
        password: the caller cannot tell which, nor by timing).

        Raises LoginThrottled while this name must wait after failed attempts.
        """
        if not isinstance(name, str) or not _NAME.match(name) or not isinstance(password, str) \
                or len(password) > MAX_PASSWORD:
            verify_password("", _dummy())
            return None
        with self._db() as db:
            row = db.execute("SELECT name, password, failures, last_failure FROM users "
                             "WHERE name = ?", (name,)).fetchone()
        if row is None:
            verify_password(password, _dummy())
            return None
        real_name, stored, failures, last_failure = row
        if failures >= FREE_FAILURES:
            wait = min(MAX_BACKOFF, 2.0 ** (failures - FREE_FAILURES + 1))
            remaining = last_failure + wait - self.clock()
            if remaining > 0:
                raise LoginThrottled(remaining)
        ok = verify_password(password, stored)
        with self._db() as db:
            if ok:
                db.execute("UPDATE users SET failures = 0 WHERE name = ?", (real_name,))
            else:
                db.execute("UPDATE users SET failures = failures + 1, last_failure = ? "
                           "WHERE name = ?", (self.clock(), real_name))
        return self.get_user(real_name) if ok else None

    # ------------------------------------------------------------------ API tokens

    def create_token(self, name: str, label: str | None = None) -> str:
        """A new API token for ``name`` (sent as ``Authorization: Bearer <token>``).

        The token is returned once and never stored: only its SHA-256 is kept.
        Raises NotFound.
        """
        user = self.get_user(name)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._db() as db:
            db.execute("INSERT INTO tokens (user, hash, label, created) VALUES (?, ?, ?, ?)",
                       (user.name, _token_hash(token), label, _now()))
        return token

    def authenticate_token(self, token: str) -> User | None:
        """The user a token belongs to, or None for an unknown or revoked token."""
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = _token_hash(token)
        with self._db() as db:
            row = db.execute("SELECT tokens.id, tokens.hash, users.name FROM tokens "
                             "JOIN users ON users.name = tokens.user WHERE tokens.hash = ?",
                             (digest,)).fetchone()
            if row is None or not hmac.compare_digest(row[1], digest):
                return None
            db.execute("UPDATE tokens SET last_used = ? WHERE id = ?", (_now(), row[0]))
        return self.get_user(row[2])

    def list_tokens(self, name: str) -> list[Token]:
        """The tokens of a user (their ids and labels; the secrets are not kept). Raises NotFound."""
        user = self.get_user(name)
        with self._db() as db:
            rows = db.execute("SELECT id, user, label, created, last_used FROM tokens "
                              "WHERE user = ? ORDER BY id", (user.name,)).fetchall()
        return [Token(*r) for r in rows]

    def revoke_tokens(self, name: str, token_id: int | None = None) -> int:
        """Revoke one token of ``name`` (by id) or all of them; returns how many.
        Raises NotFound for an unknown user or token id."""
        user = self.get_user(name)
        with self._db() as db:
            if token_id is None:
                return db.execute("DELETE FROM tokens WHERE user = ?", (user.name,)).rowcount
            count = db.execute("DELETE FROM tokens WHERE user = ? AND id = ?",
                               (user.name, token_id)).rowcount
        if count == 0:
            raise NotFound(f"user {name!r} has no token {token_id}")
        return count
