// Asks a running platform service, through server reflection (v1), for its services and the
// descriptor of one method, with an independent client (grpc-js-reflection-client) - what
// `grpcurl list` / `grpcurl describe` do. Prints one JSON object; exits 0 when all resolved.
// Usage: node reflect-service.js <port> <package.Service> <Method>
'use strict';
const grpc = require('@grpc/grpc-js');
const { GrpcReflection } = require('grpc-js-reflection-client');

const [port, serviceName, methodName] = process.argv.slice(2);

(async () => {
  try {
    const reflection = new GrpcReflection(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {}, 'v1');
    const services = await reflection.listServices();
    const methods = (await reflection.listMethods(serviceName)).map((m) => m.name);
    const descriptor = await reflection.getDescriptorBySymbol(`${serviceName}.${methodName}`);
    let node = descriptor.getPackageObject({ keepCase: true });
    for (const part of serviceName.split('.')) node = node[part];
    const method = node.service[methodName];
    console.log(JSON.stringify({
      services,
      methods,
      path: method.path,
      requestType: method.requestType.type.name,
      requestFields: method.requestType.type.field.map((f) => f.name),
      responseType: method.responseType.type.name,
    }));
    process.exit(0);
  } catch (e) {
    console.log(JSON.stringify({ error: String(e && (e.stack || e)) }));
    process.exit(1);
  }
})();
