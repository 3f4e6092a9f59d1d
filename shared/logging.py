"""One log format for every process, so interleaved `make dev` output stays readable."""

import logging


def configure_logging(service: str, level: str = "INFO") -> None:
    logging.basicConfig(
        level=level.upper(),
        format=f"%(asctime)s {service:<9} %(levelname)-7s %(name)s: %(message)s",
        force=True,
    )
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    # One line per proxied request or JWKS fetch drowns everything else out.
    logging.getLogger("httpx").setLevel(logging.WARNING)
