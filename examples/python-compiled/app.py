"""Tiny web app with a compiled dependency; needs no database to answer."""
import psycopg2
import psycopg2.extensions
from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    libpq = psycopg2.extensions.libpq_version()
    return f"psycopg2 {psycopg2.__version__.split()[0]} (libpq {libpq}) ready\n"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8000)
