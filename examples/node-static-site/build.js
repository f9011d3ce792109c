// The front end's build: writes the single page and its script to build/, as a bundler
// would. The page routes on the client, so every path must answer with index.html.
const fs = require("fs");
const path = require("path");

const out = path.join(__dirname, "build");
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(path.join(out, "assets"), { recursive: true });
fs.writeFileSync(
  path.join(out, "index.html"),
  `<!doctype html>
<html>
  <head><title>static site</title><script src="/assets/app.js" defer></script></head>
  <body><main id="app">hello from a static front end</main></body>
</html>
`
);
fs.writeFileSync(
  path.join(out, "assets", "app.js"),
  'document.getElementById("app").dataset.route = location.pathname;\n'
);
