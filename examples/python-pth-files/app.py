from flask import Flask

from greeting import greeting

app = Flask(__name__)


@app.get("/")
def index():
    return f"{greeting()}\n"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5021)
