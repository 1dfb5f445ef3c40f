FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=listening.settings.production

RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-dejavu-core curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY requirements ./requirements
COPY . .
RUN pip install --no-cache-dir -c requirements/constraints.txt . \
    && python manage.py compiletranslations \
    && SECRET_KEY=build ALLOWED_HOSTS=build python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 listening && mkdir -p /app/var && chown -R listening /app/var
USER listening

EXPOSE 8000
CMD ["gunicorn", "listening.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
