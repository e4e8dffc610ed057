// Validates every object of rendered manifests (helm template output; several files may be given):
//   node validate.mjs FILE...
// Kubernetes kinds against the API schemas of kubernetes-models (types, required fields, enums,
// formats); Dapr kinds against schemas/dapr-*.json, written from the fields Dapr documents
// (stricter than Dapr's CRDs: an unknown field or pubsub.redis metadata name is an error).
// Prints one JSON line per object {file, kind, name, errors} and exits 1 if any object has errors
// or a kind has no schema here.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import Ajv from "ajv";

const ajv = new Ajv({ allErrors: true, strict: false });
const dapr = Object.fromEntries(["Component", "Resiliency", "Configuration"].map((kind) => [
  kind, ajv.compile(JSON.parse(readFileSync(new URL(`./schemas/dapr-${kind.toLowerCase()}.json`, import.meta.url)))),
]));

async function kubernetesModel(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const path = group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
  try {
    return (await import(path))[kind];
  } catch {
    return undefined;
  }
}

async function check(object) {
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== "string" || typeof kind !== "string") return ["apiVersion and kind are required"];
  if (apiVersion.startsWith("dapr.io/")) {
    const validate = apiVersion === "dapr.io/v1alpha1" ? dapr[kind] : undefined;
    if (!validate) return [`no Dapr schema for ${apiVersion} ${kind}`];
    return validate(object) ? [] : validate.errors.map((e) => `${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ""}${e.params?.allowedValues ? ` (${e.params.allowedValues.join(", ")})` : ""}`);
  }
  const Model = await kubernetesModel(apiVersion, kind);
  if (!Model) return [`no Kubernetes schema for ${apiVersion} ${kind}`];
  try {
    new Model(object).validate();
    return [];
  } catch (e) {
    return String(e.message).split("\n").filter(Boolean);
  }
}

let failed = false;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length) {
      failed = true;
      console.log(JSON.stringify({ file, kind: null, name: null, errors: doc.errors.map((e) => e.message) }));
      continue;
    }
    const object = doc.toJS();
    if (object === null || object === undefined) continue;
    const errors = await check(object);
    failed ||= errors.length > 0;
    console.log(JSON.stringify({ file, kind: object.kind ?? null, name: object.metadata?.name ?? null, errors }));
  }
}
process.exit(failed ? 1 : 0);
