"""Web accounts as the admin page shows them: never a password hash nor a token hash."""
from __future__ import annotations

from kb.accounts.users import ROLES, User


def user_row(user: User, tokens: int) -> dict:
    """One user, with how many API tokens they have."""
    return {"name": user.name, "role": user.role, "created": user.created, "tokens": tokens}


def users_page(users: list[User], tokens: dict[str, int]) -> dict:
    """Every user (``tokens``: name → token count), and the roles to choose from."""
    return {"users": [user_row(u, tokens[u.name]) for u in users], "roles": list(ROLES)}
