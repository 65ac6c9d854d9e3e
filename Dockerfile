# Image for the web, worker and beat services (see docker-compose.yml and docs/operations.md).
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# WeasyPrint needs Pango and HarfBuzz's subsetter; the reports embed Noto CJK fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies first (pinned in pyproject.toml), so that a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
       > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt && rm /tmp/requirements.txt
COPY . .
RUN pip install --no-deps . \
    && useradd --system --create-home --home-dir /home/portal portal \
    && mkdir -p /app/var/media && chown -R portal /app/var

ENV DJANGO_VAR_DIR=/app/var DJANGO_LOG_FORMAT=json
# Static files are collected at build time and served by whitenoise (compressed, with hashed names).
RUN SECRET_KEY=build-only DJANGO_STATIC_MANIFEST=true python manage.py collectstatic --noinput \
    && chown -R portal /app/var
USER portal
EXPOSE 8000
# Bind, workers, timeouts and JSON access logs: gunicorn.conf.py (GUNICORN_* variables).
CMD ["gunicorn", "--config", "gunicorn.conf.py", "haidian_governance.wsgi:application"]
