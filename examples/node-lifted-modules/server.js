const express = require("express");

const app = express();
const port = Number(process.env.PORT) || 3000;

// Found in /node_modules: the app folder has none of its own.
const where = require.resolve("express");

app.get("/", (req, res) => {
  res.type("text/plain").send(`hello from express in ${where}\n`);
});

app.listen(port, "0.0.0.0", () => console.log(`listening on ${port}`));
