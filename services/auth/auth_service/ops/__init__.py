"""The platform's staff (role `ops`): created by the CLI only, they find customer accounts
and block, suspend, unblock or reinstate them."""

from uuid import UUID

# Operators belong to no customer: their users hang off this one internal account, so
# users, tokens and principals keep a non-null account. The ops endpoints never list it nor
# act on it.
PLATFORM_ACCOUNT_ID = UUID("00000000-0000-0000-0000-00000000a115")
PLATFORM_COMPANY_NAME = "Platform operators (internal)"
