// Prints the YAML documents of a file (helm template output, values.yaml) as one JSON array, with
// YAML's own types (numbers stay numbers), for the C# tests:  node tojson.mjs FILE
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const docs = parseAllDocuments(readFileSync(process.argv[2], "utf8"));
const bad = docs.flatMap((d) => d.errors.map((e) => e.message));
if (bad.length) {
  console.error(bad.join("\n"));
  process.exit(1);
}
console.log(JSON.stringify(docs.map((d) => d.toJS()).filter((o) => o !== null && o !== undefined)));
