from importlib.metadata import version

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return f"hello from uv: uvapp {version('uvapp')}, flask {version('flask')}\n"
