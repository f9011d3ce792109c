import asyncio

from flask import Flask

app = Flask(__name__)


async def greet():
    await asyncio.sleep(0)
    return "hello from the standard library's asyncio"


@app.get("/")
def index():
    origin = "stdlib" if "site-packages" not in asyncio.__file__ and "pydeps" not in asyncio.__file__ else "pypi"
    return f"{asyncio.run(greet())} ({origin})\n"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5020)
