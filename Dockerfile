# One image for every service; each Kubernetes Deployment picks its process with command/args.
# The base image by digest, never by what its tag means on the day of the build: the release
# pipeline passes --build-arg PYTHON_DIGEST=sha256:<digest of python:3.11-slim> (docs/deploy.md,
# "Image digests"). Without it the reference ends in "@" and the build stops at once.
ARG PYTHON_DIGEST
FROM python:3.11-slim@${PYTHON_DIGEST}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin app

# Dependencies first, so that a code change does not reinstall them: exactly the versions in
# requirements.lock (`make lock`, from pyproject.toml's runtime dependencies, no dev extras),
# each checked against its hash, so a tampered or re-uploaded package fails the build.
COPY requirements.lock ./
RUN pip install --no-cache-dir --no-deps --require-hashes -r requirements.lock

# The platform's code only: not the dev stack, the SMSC simulator, the tests or benchmarks.
COPY shared ./shared
COPY services ./services
COPY gateway ./gateway

ENV PYTHONPATH=/app:/app/services/auth:/app/services/contacts:/app/services/dispatch:/app/services/billing:/app/services/dlr:/app/gateway \
    HOME=/tmp

USER 10001:10001
EXPOSE 8000
# The services expose an app factory, create_app(), rather than a module-level app.
CMD ["uvicorn", "--factory", "gateway.main:create_app", "--host", "0.0.0.0", "--port", "8000", "--no-proxy-headers"]
