FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=listening.settings.production

# WeasyPrint's libraries and fonts; curl for the health check; the PostgreSQL client (pg_dump,
# pg_restore) for `backup_data` and `restore_data`, the same major version as compose's db.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-dejavu-core curl postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY requirements ./requirements
COPY . .
RUN pip install --no-cache-dir -c requirements/constraints.txt . \
    && python manage.py compiletranslations \
    && SECRET_KEY=build ALLOWED_HOSTS=build python manage.py collectstatic --noinput

# Every folder the app writes to exists in the image, owned by the app user: Docker copies a
# folder's owner into a named volume mounted on it the first time, so the volumes compose
# mounts there (private packs, backups, beat's schedule) are writable by the app, not by root.
RUN useradd --system --uid 1000 --user-group --home-dir /app listening \
    && mkdir -p /app/var /data/private /data/backups /data/beat \
    && chown -R listening:listening /app/var /data
USER listening

EXPOSE 8000
CMD ["gunicorn", "listening.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
