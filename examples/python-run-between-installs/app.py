"""Serves the page that a RUN between the two installs rendered, with the Markdown
version that rendered it and the gunicorn that the second install brought."""

from importlib.metadata import version
from pathlib import Path

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    page = Path("page.html").read_text()
    rendered_by = Path("rendered-by.txt").read_text()
    return f"{page}\nmarkdown {rendered_by}, gunicorn {version('gunicorn')}"
