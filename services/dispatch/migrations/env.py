import sys
from pathlib import Path

# The service and the shared library are source folders, not installed packages.
_service_dir = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(_service_dir), str(_service_dir.parents[1])]

from dispatch_service.config import DispatchSettings  # noqa: E402
from dispatch_service.models import Base  # noqa: E402
from shared.alembic_env import run_migrations  # noqa: E402

run_migrations(Base.metadata, DispatchSettings().database_url)
