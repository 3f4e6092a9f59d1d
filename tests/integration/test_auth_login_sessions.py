"""A person's list of their own sessions (issue 12): each login with its device and address,
the caller's own marked, one ended by id, all the others ended at once; nobody else's."""

from typing import Any

import httpx
import pytest

from tests.integration.test_auth_sessions import logged_in, login, refresh

pytestmark = pytest.mark.asyncio(loop_scope="session")

LAPTOP = {"x-forwarded-for": "203.0.113.7", "user-agent": "Laptop/1.0"}
PHONE = {"x-forwarded-for": "198.51.100.9", "user-agent": "Phone/2.0"}


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def sessions(client: httpx.AsyncClient, tokens: dict[str, Any], **params: Any) -> Any:
    answer = await client.get("/v1/auth/sessions", headers=bearer(tokens), params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_each_login_is_listed_with_its_device_and_the_callers_own_marked(
    auth: httpx.AsyncClient,
) -> None:
    laptop = await logged_in(auth)
    phone = (
        await auth.post(
            "/v1/auth/login",
            json={"email": laptop["email"], "password": "a long enough password"},
            headers=PHONE,
        )
    ).json()
    # A refresh from the laptop's new address: the same session, used again.
    laptop = {
        **laptop,
        **(
            await auth.post(
                "/v1/auth/refresh", json={"refresh_token": laptop["refresh_token"]}, headers=LAPTOP
            )
        ).json(),
    }

    listed = (await sessions(auth, phone))["items"]

    assert [(s["user_agent"], s["ip"], s["current"]) for s in listed] == [
        ("Laptop/1.0", "203.0.113.7", False),
        ("Phone/2.0", "198.51.100.9", True),
    ]
    laptop_session = listed[0]
    # The refresh moved its last use, not its login.
    assert laptop_session["created_at"] < laptop_session["last_used_at"]
    assert [s["current"] for s in (await sessions(auth, laptop))["items"]] == [True, False]


async def test_ending_a_session_stops_its_refresh_and_drops_it_from_the_list(
    auth: httpx.AsyncClient,
) -> None:
    first = await logged_in(auth)
    second = (await login(auth, first["email"])).json()
    [_, first_session] = (await sessions(auth, second))["items"]

    ended = await auth.delete(f"/v1/auth/sessions/{first_session['id']}", headers=bearer(second))
    again = await auth.delete(f"/v1/auth/sessions/{first_session['id']}", headers=bearer(second))

    assert ended.status_code == 204
    assert (await refresh(auth, first["refresh_token"])).json()["code"] == ("invalid_refresh_token")
    assert (await refresh(auth, second["refresh_token"])).status_code == 200
    assert again.status_code == 404
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["code"] == "session_not_found"


async def test_another_users_session_is_not_found_and_not_ended(
    auth: httpx.AsyncClient,
) -> None:
    mine = await logged_in(auth)
    theirs = await logged_in(auth)
    [their_session] = (await sessions(auth, theirs))["items"]

    attempt = await auth.delete(f"/v1/auth/sessions/{their_session['id']}", headers=bearer(mine))

    assert attempt.status_code == 404
    assert attempt.json()["code"] == "session_not_found"
    assert [s["id"] for s in (await sessions(auth, mine))["items"]] != [their_session["id"]]
    assert (await refresh(auth, theirs["refresh_token"])).status_code == 200


async def test_signing_out_everywhere_else_keeps_only_the_current_session(
    auth: httpx.AsyncClient,
) -> None:
    current = await logged_in(auth)
    others = [(await login(auth, current["email"])).json() for _ in range(2)]

    answer = await auth.post("/v1/auth/sessions/revoke-others", headers=bearer(current))

    assert answer.json() == {"revoked": 2}
    assert [s["current"] for s in (await sessions(auth, current))["items"]] == [True]
    for other in others:
        assert (await refresh(auth, other["refresh_token"])).status_code == 401
    assert (await refresh(auth, current["refresh_token"])).status_code == 200


async def test_sessions_page_by_cursor_and_a_made_up_cursor_is_422(
    auth: httpx.AsyncClient,
) -> None:
    first = await logged_in(auth)
    for _ in range(2):
        await login(auth, first["email"])

    page_one = await sessions(auth, first, limit=2)
    page_two = await sessions(auth, first, limit=2, cursor=page_one["next_cursor"])
    bad = await auth.get("/v1/auth/sessions", headers=bearer(first), params={"cursor": "nope"})

    ids = [s["id"] for s in page_one["items"] + page_two["items"]]
    assert len(ids) == len(set(ids)) == 3
    assert page_two["next_cursor"] is None
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_cursor"


async def test_sessions_need_a_token(auth: httpx.AsyncClient) -> None:
    answer = await auth.get("/v1/auth/sessions")

    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
