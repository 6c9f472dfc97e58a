FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --create-home argmap && mkdir -p /app/var && chown argmap /app/var
USER argmap
EXPOSE 8000
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
