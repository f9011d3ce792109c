"""A web app that runs as its own user, with a compiled dependency (psycopg2, built from
source against libpq); needs no database to answer."""
import getpass

import psycopg2
import psycopg2.extensions
from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    libpq = psycopg2.extensions.libpq_version()
    return f"psycopg2 {psycopg2.__version__.split()[0]} as {getpass.getuser()} (libpq {libpq})\n"
