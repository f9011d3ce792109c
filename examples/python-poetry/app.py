"""A Flask app whose dependencies come from poetry's lock file."""
from importlib.metadata import version

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return f"hello from poetry: flask {version('flask')}, gunicorn {version('gunicorn')}\n"
