const express = require("express");

const app = express();
const port = Number(process.env.PORT) || 3000;

app.get("/", (req, res) => {
  res.type("text/plain").send(`hello from express (node ${process.version}, NODE_ENV=${process.env.NODE_ENV})\n`);
});

app.get("/healthz", (req, res) => res.json({ status: "ok" }));

app.listen(port, "0.0.0.0", () => console.log(`listening on ${port}`));
