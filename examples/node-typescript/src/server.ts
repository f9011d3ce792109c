import { createServer, IncomingMessage, ServerResponse } from "node:http";

interface Greeting {
  message: string;
  node: string;
  path: string;
}

const port: number = Number(process.env.PORT) || 4000;

function greet(req: IncomingMessage): Greeting {
  return { message: "hello from typescript", node: process.version, path: req.url ?? "/" };
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(JSON.stringify(greet(req)) + "\n");
});

server.listen(port, "0.0.0.0", () => console.log(`listening on ${port}`));
