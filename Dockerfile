FROM python:3.12-slim-bookworm

# WeasyPrint's libraries, and fonts for accented, Japanese and Arabic names in PDFs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-dejavu-core fonts-noto-core fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install '.[s3]'
COPY . .
# collectstatic needs settings but no real secret or database.
RUN SECRET_KEY=build-only DEBUG=0 python manage.py collectstatic --noinput

# The uploads volume takes this folder's owner when compose first creates it: the app user.
RUN useradd --system --uid 10001 app && mkdir -p /app/var/uploads && chown -R app /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "procurement.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
