import os
import sys

import flask

app = flask.Flask(__name__)


@app.get("/")
def index():
    # The base image's PYTHONPATH (/app) comes before the installed packages in
    # sys.path, in the original (site-packages) and in the rewrite (/opt/pydeps).
    packages = os.path.dirname(os.path.dirname(flask.__file__))
    first = "/app" if sys.path.index("/app") < sys.path.index(packages) else "packages"
    return f"Flask {flask.__version__} on a named base; first on sys.path: {first}\n"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8000)
