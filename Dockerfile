FROM python:3.12-slim-bookworm

# WeasyPrint's libraries and the fonts for PDFs: the same list as make and CI use.
COPY .ci/system-packages /tmp/system-packages
RUN /tmp/system-packages image && rm -rf /var/lib/apt/lists/* /tmp/system-packages

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
