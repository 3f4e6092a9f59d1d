"""Text of deliver_sm/data_sm: receipts are read as ASCII whatever data_coding says, so the
message id in them survives to be matched; mobile-originated SMS are still GSM 03.38."""

import pytest

from dispatch_service.smpp.submission import decode_short_message

RECEIPT = b"id:ab_12 sub:001 dlvrd:001 submit date:2612010000 done date:2612010001 stat:DELIVRD"


@pytest.mark.parametrize("esm_class", [0x04, 0x08])
def test_receipt_text_keeps_underscores_in_the_id(esm_class: int) -> None:
    text = decode_short_message(RECEIPT, data_coding=0, esm_class=esm_class)

    assert text.startswith("id:ab_12 ")


def test_mobile_originated_text_is_still_gsm_03_38() -> None:
    # 0x11 is `_` in the GSM default alphabet, 0x5F is `§`.
    assert decode_short_message(b"a\x11b\x5f", data_coding=0, esm_class=0) == "a_b§"
