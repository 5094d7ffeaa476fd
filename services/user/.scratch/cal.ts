import { measureServed, print, serveInChild } from "../bench-kit.js";
const p = await serveInChild("embedded", "cal");
print(await measureServed(p, "graph GetCounts c16", 3000, 16, () => p.graph.getCounts({ userId: 5n })));
print(await measureServed(p, "graph GetCounts serial", 1000, 1, () => p.graph.getCounts({ userId: 5n })));
await p.stop();
