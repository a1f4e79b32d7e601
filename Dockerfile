# deportwatch: one image for the daemon and for Scrapyd crawl nodes. The config file is mounted,
# secrets come from the environment, SQLite and state live on the /data volume.
#   docker build -t deportwatch .
#   docker run -d -v dw-data:/data -v ./deportwatch.yaml:/etc/deportwatch/deportwatch.yaml:ro \
#     -e DEPORTWATCH_CONFIG=/etc/deportwatch/deportwatch.yaml -p 8080:8080 deportwatch
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
# The interpreter is whichever `python` the base image puts on PATH; the venv links to it, and both
# stages share the base, so the link holds in the final image.
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# The pip of the development venv: older ones miss extras spelled differently from their package's
# metadata (lxml[html_clean] vs html-clean), and with them lxml_html_clean, which trafilatura needs.
RUN pip install pip==26.3
WORKDIR /app
COPY pyproject.toml requirements.lock ./
# The runtime dependencies of pyproject.toml (Scrapyd for crawl nodes among them) at the versions of
# the lock; the lock's development tools stay out of the image.
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" \
        > runtime.txt \
    && pip install -c requirements.lock -r runtime.txt
COPY README.md alembic.ini scrapy.cfg ./
COPY db ./db
COPY alerts ./alerts
COPY spiders ./spiders
COPY monitor ./monitor
COPY data/corpus ./data/corpus
COPY container/healthcheck.py ./container/healthcheck.py
# Editable, so the code stays in /app next to data/corpus, where the classifier looks for its corpus.
RUN pip install --no-deps -e . \
    && pip check \
    && python -m compileall -q /app

FROM python:3.11-slim
# tini as PID 1 forwards SIGTERM to the daemon and reaps the crawl processes of a Scrapyd node.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini=0.19.* \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --uid 10001 --user-group --home-dir /data --no-create-home --shell /usr/sbin/nologin deportwatch \
    && mkdir -p /data \
    && chown 10001:10001 /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
COPY container/scrapyd.cfg /etc/deportwatch/scrapyd/scrapy.cfg
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DEPORTWATCH_DATABASE_URL=sqlite:////data/deportwatch.db \
    DEPORTWATCH_DATA_DIR=/data \
    DEPORTWATCH_WEB_HOST=0.0.0.0 \
    DEPORTWATCH_WEB_PORT=8080
WORKDIR /app
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/app/container/healthcheck.py"]
# `run` applies pending migrations before it starts scheduling.
ENTRYPOINT ["tini", "-s", "--", "deportwatch"]
CMD ["run"]
