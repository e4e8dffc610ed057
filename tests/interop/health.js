// gRPC health (grpc.health.v1.Health) asked by @grpc/grpc-js with the health.proto that the
// grpc-health-check package ships: Check of the whole server (""), Check of a service nobody
// serves, and the first answer of Watch(""). Used by tests/Interop.Tests (HealthTests).
// Usage: node health.js <port>   Prints one JSON object and exits 0; 1 when it could not run.
'use strict';
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { protoPath } = require('grpc-health-check');

const definition = protoLoader.loadSync(protoPath, { keepCase: true, enums: String, defaults: true });
const { Health } = grpc.loadPackageDefinition(definition).grpc.health.v1;
const client = new Health(`127.0.0.1:${process.argv[2]}`, grpc.credentials.createInsecure());
const deadline = () => ({ deadline: Date.now() + 10000 });

function check(service) {
  return new Promise((resolve) => {
    client.check({ service }, deadline(), (error, response) => resolve(error
      ? { code: error.code, details: error.details, status: null }
      : { code: grpc.status.OK, details: '', status: response.status }));
  });
}

function firstWatch(service) {
  return new Promise((resolve) => {
    const call = client.watch({ service }, deadline());
    call.on('data', (response) => {
      resolve({ code: grpc.status.OK, status: response.status });
      call.cancel();
    });
    call.on('error', (error) => resolve({ code: error.code, status: null, details: error.details }));
  });
}

(async () => {
  try {
    const result = { server: await check(''), unknown: await check('no.such.Service'), watch: await firstWatch('') };
    console.log(JSON.stringify(result));
    client.close();
    process.exit(0);
  } catch (e) {
    console.error(String(e && (e.stack || e)));
    process.exit(1);
  }
})();
