from importlib.metadata import version

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return f"greeter on Flask {version('flask')}, Werkzeug {version('werkzeug')}\n"


def main():
    app.run(host="0.0.0.0", port=5022)
