"""The account's team in auth against PostgreSQL (issue 7, item 4): inviting by e-mail,
accepting the invitation, changing roles and removing people, and what each role may do
on auth's own routes."""

import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from auth_service.config import AuthSettings
from auth_service.main import create_app
from shared.mail import MaildirMailer, read_maildir
from tests.support.apps import running_app

pytestmark = pytest.mark.asyncio(loop_scope="session")

PASSWORD = "a long enough password"


@dataclass
class Team:
    """auth started with a Maildir of its own, so that invitations can be read back."""

    app: FastAPI
    client: httpx.AsyncClient
    maildir: Path

    async def owner(self) -> "Person":
        email = new_email("owner")
        registered = await self.client.post(
            "/v1/auth/register",
            json={"email": email, "password": PASSWORD, "company_name": "Acme"},
        )
        assert registered.status_code == 202, registered.text
        return await self.login(email)

    async def login(self, email: str, password: str = PASSWORD) -> "Person":
        answer = await self.client.post(
            "/v1/auth/login", json={"email": email, "password": password}
        )
        assert answer.status_code == 200, answer.text
        return Person(email, answer.json())

    async def invitation_token(self, email: str) -> str:
        """The token in the newest invitation mail sent to `email`."""
        await self.app.state.runtime.mail.run_once()
        mails = [mail for mail in read_maildir(self.maildir) if mail["To"] == email]
        assert mails, f"no mail to {email}"
        body = mails[-1].get_content()
        match = re.search(r"accept-invitation\?token=([A-Za-z0-9_\-]+)", body)
        assert match, body
        return match.group(1)

    async def member(self, inviter: "Person", role: str) -> "Person":
        """A person invited by `inviter` with `role` who accepted."""
        email = new_email(role)
        invited = await self.invite(inviter, email, role)
        assert invited.status_code == 201, invited.text
        accepted = await self.accept(await self.invitation_token(email))
        assert accepted.status_code == 200, accepted.text
        return Person(email, accepted.json())

    async def invite(self, inviter: "Person", email: str, role: str) -> httpx.Response:
        return await self.client.post(
            "/v1/account/users", json={"email": email, "role": role}, headers=inviter.bearer
        )

    async def accept(self, token: str, password: str = PASSWORD, **extra: Any) -> httpx.Response:
        return await self.client.post(
            "/v1/auth/invitations/accept",
            json={"token": token, "password": password, **extra},
        )

    async def users(self, person: "Person") -> dict[str, Any]:
        answer = await self.client.get("/v1/account/users", headers=person.bearer)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    async def user_id(self, person: "Person", email: str) -> str:
        users = (await self.users(person))["users"]
        return str(next(user["id"] for user in users if user["email"] == email))


@dataclass
class Person:
    email: str
    tokens: dict[str, Any]

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens['access_token']}"}


def new_email(tag: str) -> str:
    return f"team-{tag}-{os.urandom(6).hex()}@example.com"


@pytest.fixture
async def team(auth_database: str, broker: str, tmp_path: Path) -> AsyncIterator[Team]:
    settings = AuthSettings(
        database_url=auth_database,
        kafka_bootstrap_servers=broker,
        dev_key_file=tmp_path / "keys" / "signing.pem",
        environment="test",
        login_rate_limit=0,
        register_rate_limit=0,
    )
    maildir = tmp_path / "mail"
    app = create_app(settings, mailer=MaildirMailer(maildir, "smsgw <no-reply@smsgw.test>"))
    async with running_app(app) as client:
        yield Team(app, client, maildir)


async def test_an_invited_person_joins_with_the_role_and_logs_in_with_it(team: Team) -> None:
    owner = await team.owner()
    email = new_email("dev")

    invited = await team.invite(owner, email.upper(), "developer")
    pending = (await team.users(owner))["invitations"]
    token = await team.invitation_token(email)
    accepted = await team.accept(token, name="Grace Hopper")
    login = await team.login(email)
    profile = await team.client.get("/v1/account", headers=login.bearer)
    listed = await team.users(owner)

    assert invited.status_code == 201, invited.text
    assert "token" not in invited.json()
    assert [(i["email"], i["role"]) for i in pending] == [(email, "developer")]
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["account_id"] == owner.tokens["account_id"]
    assert profile.json()["role"] == "developer"
    assert profile.json()["name"] == "Grace Hopper"
    assert {(u["email"], u["role"]) for u in listed["users"]} == {
        (owner.email, "owner"),
        (email, "developer"),
    }
    assert listed["invitations"] == []
    log = await team.client.get("/v1/account/audit-log", headers=owner.bearer)
    actions = [entry["action"] for entry in log.json()["items"]]
    assert {"user.invited", "user.joined"} <= set(actions)


async def test_an_invitation_works_once_and_not_after_revocation(team: Team) -> None:
    owner = await team.owner()
    used, revoked = new_email("used"), new_email("revoked")
    await team.invite(owner, used, "viewer")
    await team.invite(owner, revoked, "viewer")
    used_token = await team.invitation_token(used)
    revoked_token = await team.invitation_token(revoked)
    invitation_id = next(
        i["id"] for i in (await team.users(owner))["invitations"] if i["email"] == revoked
    )

    first = await team.accept(used_token)
    again = await team.accept(used_token)
    revocation = await team.client.delete(
        f"/v1/account/invitations/{invitation_id}", headers=owner.bearer
    )
    after_revocation = await team.accept(revoked_token)
    made_up = await team.accept("x" * 43)

    assert first.status_code == 200
    assert revocation.status_code == 204
    for refused in (again, after_revocation, made_up):
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "invitation_invalid"


async def test_accepting_refuses_a_weak_password_and_an_address_taken_meanwhile(
    team: Team,
) -> None:
    owner, elsewhere = await team.owner(), await team.owner()
    # An address that has an account elsewhere: inviting it reveals nothing.
    invited = await team.invite(owner, elsewhere.email, "viewer")
    token = await team.invitation_token(elsewhere.email)

    weak = await team.accept(token, password="short")
    taken = await team.accept(token)

    assert invited.status_code == 201
    assert weak.status_code == 422
    assert weak.json()["code"] == "weak_password"
    assert taken.status_code == 409
    assert taken.json()["code"] == "email_taken"


async def test_an_unknown_role_is_refused_with_its_own_code(team: Team) -> None:
    owner = await team.owner()

    answer = await team.invite(owner, new_email("x"), "superuser")

    assert answer.status_code == 422
    assert answer.json()["code"] == "unknown_role"
    assert (await team.users(owner))["invitations"] == []


async def test_only_an_owner_makes_or_touches_an_owner(team: Team) -> None:
    owner = await team.owner()
    admin = await team.member(owner, "admin")
    viewer = await team.member(owner, "viewer")
    owner_id = await team.user_id(owner, owner.email)
    viewer_id = await team.user_id(owner, viewer.email)

    invite_owner = await team.invite(admin, new_email("o"), "owner")
    promote = await team.client.patch(
        f"/v1/account/users/{viewer_id}", json={"role": "owner"}, headers=admin.bearer
    )
    demote = await team.client.patch(
        f"/v1/account/users/{owner_id}", json={"role": "viewer"}, headers=admin.bearer
    )
    remove = await team.client.delete(f"/v1/account/users/{owner_id}", headers=admin.bearer)
    by_owner = await team.invite(owner, new_email("o"), "owner")
    admin_demotes_viewer = await team.client.patch(
        f"/v1/account/users/{viewer_id}", json={"role": "billing"}, headers=admin.bearer
    )

    for refused in (invite_owner, promote, demote, remove):
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "owner_required"
    assert by_owner.status_code == 201
    assert admin_demotes_viewer.status_code == 200
    assert admin_demotes_viewer.json()["role"] == "billing"
    roles = {u["email"]: u["role"] for u in (await team.users(owner))["users"]}
    assert roles[owner.email] == "owner"


async def test_the_account_keeps_at_least_one_owner(team: Team) -> None:
    owner = await team.owner()
    owner_id = await team.user_id(owner, owner.email)

    demote = await team.client.patch(
        f"/v1/account/users/{owner_id}", json={"role": "admin"}, headers=owner.bearer
    )
    remove = await team.client.delete(f"/v1/account/users/{owner_id}", headers=owner.bearer)
    second = await team.member(owner, "owner")
    demote_after = await team.client.patch(
        f"/v1/account/users/{owner_id}", json={"role": "admin"}, headers=owner.bearer
    )

    for refused in (demote, remove):
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "last_owner"
    assert demote_after.status_code == 200, demote_after.text
    roles = {u["email"]: u["role"] for u in (await team.users(second))["users"]}
    assert roles == {owner.email: "admin", second.email: "owner"}


async def test_a_removed_user_cannot_refresh_nor_log_in(team: Team) -> None:
    owner = await team.owner()
    member = await team.member(owner, "developer")
    member_id = await team.user_id(owner, member.email)

    removed = await team.client.delete(f"/v1/account/users/{member_id}", headers=owner.bearer)
    refresh = await team.client.post(
        "/v1/auth/refresh", json={"refresh_token": member.tokens["refresh_token"]}
    )
    login = await team.client.post(
        "/v1/auth/login", json={"email": member.email, "password": PASSWORD}
    )

    assert removed.status_code == 204
    assert refresh.status_code == 401
    assert login.status_code == 401
    assert member.email not in {u["email"] for u in (await team.users(owner))["users"]}


async def test_a_role_change_ends_sessions_and_the_next_login_has_the_new_role(
    team: Team,
) -> None:
    owner = await team.owner()
    member = await team.member(owner, "developer")
    member_id = await team.user_id(owner, member.email)

    changed = await team.client.patch(
        f"/v1/account/users/{member_id}", json={"role": "viewer"}, headers=owner.bearer
    )
    refresh = await team.client.post(
        "/v1/auth/refresh", json={"refresh_token": member.tokens["refresh_token"]}
    )
    again = await team.login(member.email)
    keys = await team.client.get("/v1/api-keys", headers=again.bearer)

    assert changed.status_code == 200, changed.text
    assert refresh.status_code == 401
    assert (await team.client.get("/v1/account", headers=again.bearer)).json()["role"] == "viewer"
    assert keys.status_code == 403
    assert keys.json()["code"] == "forbidden"


async def test_another_accounts_users_and_invitations_are_not_found(team: Team) -> None:
    owner, stranger = await team.owner(), await team.owner()
    await team.invite(stranger, new_email("s"), "viewer")
    stranger_id = await team.user_id(stranger, stranger.email)
    invitation_id = (await team.users(stranger))["invitations"][0]["id"]

    answers = [
        await team.client.patch(
            f"/v1/account/users/{stranger_id}", json={"role": "viewer"}, headers=owner.bearer
        ),
        await team.client.delete(f"/v1/account/users/{stranger_id}", headers=owner.bearer),
        await team.client.delete(f"/v1/account/invitations/{invitation_id}", headers=owner.bearer),
    ]

    assert [answer.status_code for answer in answers] == [404, 404, 404]
    assert len((await team.users(stranger))["invitations"]) == 1
    assert {u["email"] for u in (await team.users(owner))["users"]} == {owner.email}


async def test_api_key_tokens_are_refused_on_team_routes(team: Team) -> None:
    owner = await team.owner()
    key = await team.client.post(
        "/v1/api-keys", json={"name": "ci", "scopes": ["*"]}, headers=owner.bearer
    )
    minted = await team.client.post(
        "/internal/api-keys/token",
        headers={"Authorization": f"Bearer {key.json()['secret']}"},
    )
    bearer = {"Authorization": f"Bearer {minted.json()['access_token']}"}

    answers = [
        await team.client.get("/v1/account/users", headers=bearer),
        await team.client.post(
            "/v1/account/users", json={"email": new_email("k"), "role": "owner"}, headers=bearer
        ),
        await team.client.get("/v1/account", headers=bearer),
    ]

    for answer in answers:
        assert answer.status_code == 403, answer.text
        assert answer.json()["code"] == "insufficient_scope"


# What each role may not do among auth's routes for a person (shared.roles).
ROUTES: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "account:read": ("GET", "/v1/account", None),
    "account:manage": ("PATCH", "/v1/account", {"company_name": "Renamed"}),
    "users:read": ("GET", "/v1/account/users", None),
    "users:manage": ("POST", "/v1/account/users", {"email": "x@example.com", "role": "viewer"}),
    "api_keys:manage": ("GET", "/v1/api-keys", None),
    "audit:read": ("GET", "/v1/account/audit-log", None),
    "2fa": ("POST", "/v1/account/2fa", None),
    "account:close": ("POST", "/v1/account/close", None),
}
REFUSED: dict[str, set[str]] = {
    "owner": set(),
    "admin": {"account:close"},
    "developer": {"account:manage", "users:manage", "audit:read", "account:close"},
    "billing": {"account:manage", "users:manage", "api_keys:manage", "audit:read"}
    | {"account:close"},
    "viewer": {"account:manage", "users:manage", "api_keys:manage", "audit:read"}
    | {"account:close"},
}


@pytest.mark.parametrize("role", ["owner", "admin", "developer", "billing", "viewer"])
async def test_each_role_is_refused_exactly_what_it_lacks(team: Team, role: str) -> None:
    owner = await team.owner()
    person = await team.member(owner, role)

    refused = set()
    for name, (method, path, body) in ROUTES.items():
        answer = await team.client.request(method, path, json=body, headers=person.bearer)
        if answer.status_code == 403:
            assert answer.json()["code"] == "forbidden", answer.text
            refused.add(name)
        else:
            assert answer.status_code < 400, (name, answer.text)

    assert refused == REFUSED[role]


async def test_an_expired_invitation_is_refused(team: Team, auth_database: str) -> None:
    owner = await team.owner()
    email = new_email("late")
    await team.invite(owner, email, "viewer")
    token = await team.invitation_token(email)
    engine = create_async_engine(auth_database)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "UPDATE invitations SET expires_at = now() - interval '1 second' "
                    "WHERE email = :email"
                ),
                {"email": email},
            )
    finally:
        await engine.dispose()

    answer = await team.accept(token)

    assert answer.status_code == 422
    assert answer.json()["code"] == "invitation_invalid"
    assert (await team.users(owner))["invitations"] == []


async def test_inviting_a_member_again_is_a_conflict_and_a_new_invitation_replaces_the_old(
    team: Team,
) -> None:
    owner = await team.owner()
    email = new_email("twice")
    await team.invite(owner, email, "viewer")
    first = await team.invitation_token(email)
    await team.invite(owner, email, "developer")
    second = await team.invitation_token(email)

    stale = await team.accept(first)
    joined = await team.accept(second)
    member_again = await team.invite(owner, email, "viewer")

    assert stale.json()["code"] == "invitation_invalid"
    assert joined.status_code == 200
    assert member_again.status_code == 409
    assert member_again.json()["code"] == "already_member"
    roles = {u["email"]: u["role"] for u in (await team.users(owner))["users"]}
    assert roles[email] == "developer"
