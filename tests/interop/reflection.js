// Asks a server for its services and the descriptor of marketplace.testing.v1.Echo through
// server reflection, with an independent client (grpc-js-reflection-client), in both protocol
// versions. Prints one JSON object per version and exits 0 only when everything resolved.
// Usage: node reflection.js <port>
'use strict';
const grpc = require('@grpc/grpc-js');
const { GrpcReflection } = require('grpc-js-reflection-client');

const target = `127.0.0.1:${process.argv[2]}`;

async function probe(version) {
  const reflection = new GrpcReflection(target, grpc.credentials.createInsecure(), {}, version);
  const services = await reflection.listServices();
  const methods = (await reflection.listMethods('marketplace.testing.v1.Echo')).map((m) => m.name);
  const descriptor = await reflection.getDescriptorBySymbol('marketplace.testing.v1.Echo.Unary');
  const packageObject = descriptor.getPackageObject({ keepCase: true });
  const unary = packageObject.marketplace.testing.v1.Echo.service.Unary;
  const byFile = await reflection.getDescriptorByFileName('grpc/health/v1/health.proto');
  const healthCheck = byFile.getPackageObject({}).grpc.health.v1.Health.service.Check;
  let unknownSymbol = null;
  try {
    await reflection.getDescriptorBySymbol('marketplace.testing.v1.NoSuchThing');
  } catch (e) {
    unknownSymbol = String(e.message || e);
  }
  return {
    services,
    methods,
    unaryPath: unary.path,
    unaryRequestType: unary.requestType.type.name,
    unaryResponseFields: unary.responseType.type.field.map((f) => f.name),
    healthCheckPath: healthCheck.path,
    unknownSymbol,
  };
}

(async () => {
  const result = {};
  let ok = true;
  for (const version of ['v1', 'v1alpha']) {
    try {
      result[version] = await probe(version);
    } catch (e) {
      ok = false;
      result[version] = { error: String(e && (e.stack || e)) };
    }
  }
  console.log(JSON.stringify(result));
  process.exit(ok ? 0 : 1);
})();
