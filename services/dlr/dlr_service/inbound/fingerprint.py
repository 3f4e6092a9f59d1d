"""What makes two mobile-originated PDUs the same message.

SMPP 3.4 gives an MO no id of its own, and the connector gives every PDU a new event id, so
a deliver_sm the SMSC sends again (our deliver_sm_resp was lost or late) looks new. What it
repeats exactly is the link, the addresses and the payload bytes; those start with the UDH
when there is one, so the concat reference and part number are part of the fingerprint and
two parts of one long message never collide.
"""

from hashlib import sha256

from shared.events import DeliverSmReceived


def fingerprint(event: DeliverSmReceived) -> str:
    fields = (
        event.smsc,
        event.source_addr,
        event.destination_addr,
        str(event.esm_class),
        str(event.data_coding),
        # The decoded text only stands in for bytes the event lacks (a payload in a TLV):
        # the bytes are what the SMSC repeats exactly, whatever our decoding makes of them.
        event.short_message_hex.lower() or f"text:{event.text}",
    )
    digest = sha256()
    for field in fields:
        digest.update(field.encode())
        digest.update(b"\x00")  # a separator, so ("ab", "c") and ("a", "bc") differ
    return digest.hexdigest()
