"""What the audit log keeps of a request's origin: bounded, whatever the client sends."""

from auth_service.audit.service import Origin


def test_the_user_agent_and_address_are_cut_to_what_is_stored() -> None:
    origin = Origin.of("fe80::1%" + "x" * 100, "agent/" + "y" * 500)

    assert origin.ip is not None
    assert len(origin.ip) == 45
    assert origin.user_agent is not None
    assert len(origin.user_agent) == 256


def test_no_address_and_no_user_agent_are_stored_as_none() -> None:
    assert Origin.of("", None) == Origin(None, None)
