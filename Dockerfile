FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# The runtime set only: tests, lint and browsers stay out of the image
# (requirements-dev.txt is for development machines and CI).
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --create-home argmap && mkdir -p /app/var && chown argmap /app/var
USER argmap
# WhiteNoise serves static files from STATIC_ROOT (var/staticfiles) when DEBUG is off.
RUN DEBUG=1 python manage.py collectstatic --noinput -v 0
EXPOSE 8000
# The server bench/api_throughput.py measures (bench.common.gunicorn_server):
# gunicorn with 2 sync workers.
CMD ["gunicorn", "--workers", "2", "--bind", "0.0.0.0:8000", "argmap.wsgi:application"]
