// Asks a running service about itself through server reflection, with an independent client
// (grpc-js-reflection-client), the way `grpcurl list` / `grpcurl describe` do, in one protocol
// version: lists the services, describes every method of one of them, fetches its .proto file
// by name with the files it imports, asks for a symbol nobody has, and finally calls one of its
// methods with a client built only from what reflection returned (no .proto file at hand).
// Used by tests/Interop.Tests (ReflectionTests), which asserts on what this prints.
//
// Usage: node reflection.js <context-json>
//   context: { port, version: "v1"|"v1alpha", serviceName, protoFile, token,
//              probe: { method, request } }
// Prints one JSON object and exits 0; exits 1 only when it could not run at all.
'use strict';
const grpc = require('@grpc/grpc-js');
const { GrpcReflection } = require('grpc-js-reflection-client');

const context = JSON.parse(process.argv[2]);
const target = `127.0.0.1:${context.port}`;

async function attempt(work) {
  try {
    return { ok: true, value: await work() };
  } catch (e) {
    return { ok: false, error: String((e && (e.details || e.message)) || e) };
  }
}

function serviceNode(packageObject, fullName) {
  return fullName.split('.').reduce((node, part) => (node ? node[part] : undefined), packageObject);
}

function probeCall(Client) {
  const client = new Client(target, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.set('authorization', context.token);
  const method = context.probe.method.charAt(0).toLowerCase() + context.probe.method.slice(1);
  return new Promise((resolve) => {
    client[method](context.probe.request, metadata, { deadline: Date.now() + 10000 }, (error) => {
      client.close();
      resolve(error ? { code: error.code, details: error.details } : { code: grpc.status.OK, details: '' });
    });
  });
}

(async () => {
  try {
    const reflection = new GrpcReflection(target, grpc.credentials.createInsecure(), {}, context.version);
    const services = await reflection.listServices();
    const descriptor = await reflection.getDescriptorBySymbol(context.serviceName);
    const definition = serviceNode(descriptor.getPackageObject({ keepCase: true }), context.serviceName);
    const methods = Object.entries(definition.service).map(([name, m]) => ({
      name,
      path: m.path,
      requestType: m.requestType.type.name,
      responseType: m.responseType.type.name,
      requestFields: m.requestType.type.field.map((f) => f.name),
      clientStreaming: m.requestStream,
      serverStreaming: m.responseStream,
    }));
    const byFile = await attempt(async () => {
      const file = await reflection.getDescriptorByFileName(context.protoFile);
      return serviceNode(file.getPackageObject({}), context.serviceName) ? 'service found' : 'service missing';
    });
    const unknownSymbol = await attempt(() => reflection.getDescriptorBySymbol(`${context.serviceName}NoSuchThing`));
    const call = await probeCall(definition);
    console.log(JSON.stringify({ services, methods, byFile, unknownSymbol: { ok: unknownSymbol.ok, error: unknownSymbol.error || '' }, call }));
    process.exit(0);
  } catch (e) {
    console.error(String(e && (e.stack || e)));
    process.exit(1);
  }
})();
