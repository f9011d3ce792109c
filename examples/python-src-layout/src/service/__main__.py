import os
import sys

import flask

app = flask.Flask(__name__)


@app.get("/")
def index():
    # Where the app's own code and its dependencies are found, in sys.path order: the
    # image's PYTHONPATH entries come before the installed packages, as they come
    # before site-packages in the original.
    packages = os.path.dirname(os.path.dirname(flask.__file__))
    own = os.path.dirname(os.path.dirname(__file__))
    order = "own code first" if sys.path.index(own) < sys.path.index(packages) else "packages first"
    # What the build step after the install wrote, with the packages it installed.
    with open("/app/build-info.txt") as info:
        built = next(line.strip() for line in info if line.startswith("Flask"))
    return f"service on Flask {flask.__version__}: {order}; build step saw {built}\n"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8000)
