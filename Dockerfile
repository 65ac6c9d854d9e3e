# Image for the web, worker and beat services (see docker-compose.yml).
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir . \
    && useradd --system --create-home --home-dir /home/portal portal \
    && mkdir -p /app/var && chown -R portal /app/var
USER portal

ENV DJANGO_VAR_DIR=/app/var
RUN SECRET_KEY=build-only DJANGO_STATIC_MANIFEST=true python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "--config", "gunicorn.conf.py", "haidian_governance.wsgi:application"]
