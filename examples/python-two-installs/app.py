"""Says which Flask and Werkzeug it runs with, as the installed metadata names them."""

from importlib.metadata import version

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return f"hello from two installs: flask {version('flask')}, werkzeug {version('werkzeug')}"
