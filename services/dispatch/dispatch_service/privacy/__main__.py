"""`python -m dispatch_service.privacy --backfill-recipients`: see privacy.backfill
(DISPATCH_* settings)."""

from dispatch_service.config import DispatchSettings
from dispatch_service.privacy.backfill import main

if __name__ == "__main__":
    raise SystemExit(main(DispatchSettings().database_url))
