"""Roles and users in a node's file realm: `roles.yml`, `users`, `users_roles` in its config directory.

This is the path for a node without the security role API — the local integ-test node, whose
`.security` index cannot be created — and for clusters whose operators keep roles in files. The role
descriptors are the very ones the security API gets (deploy/roles.py). Elasticsearch watches these
files and reloads them within seconds (`resource.reload.interval.high`, 5 s), without a restart.

Passwords are hashed as Elasticsearch's file realm reads them (PBKDF2-HMAC-SHA512, `{PBKDF2}` format);
a new user's password is returned once to be printed, and stored nowhere in clear.
"""
from __future__ import annotations

import base64
import hashlib
import os
import secrets
import tempfile
from pathlib import Path

import yaml

from deploy.changes import Change
from deploy.diff import changed

ROLES, USERS, USERS_ROLES = "roles.yml", "users", "users_roles"
PBKDF2_ROUNDS = 10_000  # Elasticsearch's own default cost for `pbkdf2`
_SALT_BYTES = _KEY_BYTES = 32


def password_hash(password: str) -> str:
    """`{PBKDF2}<rounds>$<salt>$<key>`, base64 parts: a hash format the file realm verifies."""
    salt = secrets.token_bytes(_SALT_BYTES)
    key = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, PBKDF2_ROUNDS, _KEY_BYTES)
    return f"{{PBKDF2}}{PBKDF2_ROUNDS}${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


class FileRealm:
    """The file realm of one node, by its config directory."""

    def __init__(self, config_dir: Path) -> None:
        self.config_dir = config_dir

    def where(self) -> str:
        """Where roles go, for the user."""
        return f"file realm {self.config_dir / ROLES}"

    def plan_roles(self, roles: dict[str, dict]) -> list[Change]:
        """A change for every role that roles.yml lacks or holds otherwise."""
        current = self._roles()
        out = []
        for name, body in roles.items():
            have = current.get(name)
            lines = changed(have, body) if have is not None else []
            if have is None or lines or have != body:
                out.append(Change("role", name, have is None, tuple(lines),
                                  run=lambda name=name, body=body: self._put_role(name, body)))
        return out

    def plan_credentials(self, roles: dict[str, dict], users: dict[str, str]) -> list[Change]:
        """User name → role: a file-realm user for each that lacks one (or lacks its role). The role's
        descriptor is in roles.yml already; the user only names it."""
        hashes, members = self._users(), self._users_roles()
        out = []
        for user, role in users.items():
            if user not in hashes:
                out.append(Change("user", user, True, (f"+ role: {role}",),
                                  run=lambda user=user, role=role: self._add_user(user, role)))
            elif user not in members.get(role, []):
                out.append(Change("user", user, False, (f"+ role: {role}",),
                                  run=lambda user=user, role=role: self._grant(user, role)))
        return out

    def _roles(self) -> dict:
        path = self.config_dir / ROLES
        loaded = yaml.safe_load(path.read_text()) if path.exists() else None
        return loaded if isinstance(loaded, dict) else {}

    def _put_role(self, name: str, body: dict) -> None:
        roles = self._roles()
        roles[name] = body
        # Other roles in the file stay as they are (comments do not survive: YAML has no place for them).
        self._write(ROLES, yaml.safe_dump(roles, sort_keys=True, default_flow_style=False))

    def _users(self) -> dict[str, str]:
        return dict(line.split(":", 1) for line in self._lines(USERS))

    def _users_roles(self) -> dict[str, list[str]]:
        out = {}
        for line in self._lines(USERS_ROLES):
            role, _, users = line.partition(":")
            out[role.strip()] = [u.strip() for u in users.split(",") if u.strip()]
        return out

    def _add_user(self, user: str, role: str) -> str:
        password = secrets.token_urlsafe(24)
        hashes = self._users()
        hashes[user] = password_hash(password)
        # users_roles first: the user exists only once it may do something.
        self._grant(user, role)
        self._write(USERS, "".join(f"{name}:{digest}\n" for name, digest in sorted(hashes.items())))
        return f"{user}: ELASTICSEARCH_USERNAME={user} ELASTICSEARCH_PASSWORD={password}"

    def _grant(self, user: str, role: str) -> None:
        members = self._users_roles()
        members[role] = sorted({*members.get(role, []), user})
        self._write(USERS_ROLES, "".join(f"{r}:{','.join(u)}\n" for r, u in sorted(members.items()) if u))

    def _lines(self, name: str) -> list[str]:
        path = self.config_dir / name
        if not path.exists():
            return []
        return [line.strip() for line in path.read_text().splitlines()
                if line.strip() and not line.lstrip().startswith("#") and ":" in line]

    def _write(self, name: str, text: str) -> None:
        """Replace the file at once (the node may read it any moment), readable by the node's user only."""
        target = self.config_dir / name
        owner = (self.config_dir.stat().st_uid, self.config_dir.stat().st_gid)
        fd, tmp = tempfile.mkstemp(dir=self.config_dir, prefix=f".{name}.")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(text)
            os.chmod(tmp, 0o640)
            if os.geteuid() == 0:  # the node runs as its own user (cloudsift-es) and owns its config
                os.chown(tmp, *owner)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
