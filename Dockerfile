# deportwatch: one image, one config file, secrets from the environment, data on the /data volume.
FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY pyproject.toml README.md alembic.ini scrapy.cfg ./
COPY spiders ./spiders
COPY monitor ./monitor
COPY alerts ./alerts
COPY db ./db
COPY data/corpus ./data/corpus
RUN pip install --no-deps .

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DEPORTWATCH_DATABASE_URL=sqlite:////data/deportwatch.db \
    DEPORTWATCH_DATA_DIR=/data \
    DEPORTWATCH_WEB_HOST=0.0.0.0
COPY --from=build /opt/venv /opt/venv
COPY --from=build /src/data/corpus /app/data/corpus
RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin deportwatch \
    && mkdir -p /data && chown 10001:10001 /data
WORKDIR /app
USER 10001
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["deportwatch"]
CMD ["run"]
