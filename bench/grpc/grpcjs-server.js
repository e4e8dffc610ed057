// The @grpc/grpc-js baseline for bench/grpc/run.sh: marketplace.bench.v1.Echo/Unary echoing the
// message, from the same Protos/echo.proto as the C# servers. Counts the calls it answered with
// OK and prints "OK_RESPONSES <n>" on SIGTERM. Usage: node grpcjs-server.js <port>
// Its packages are those of tests/interop (npm ci there, done by `make setup`).
'use strict';
const path = require('path');
const modules = path.resolve(__dirname, '..', '..', 'tests', 'interop', 'node_modules');
const grpc = require(path.join(modules, '@grpc', 'grpc-js'));
const protoLoader = require(path.join(modules, '@grpc', 'proto-loader'));

const definition = protoLoader.loadSync('echo.proto', { includeDirs: [path.join(__dirname, 'Protos')] });
const { Echo } = grpc.loadPackageDefinition(definition).marketplace.bench.v1;

let ok = 0;
const server = new grpc.Server();
server.addService(Echo.service, {
  unary(call, callback) {
    ok++;
    callback(null, { message: call.request.message });
  },
});
server.bindAsync(`127.0.0.1:${process.argv[2]}`, grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    console.error(error);
    process.exit(1);
  }
  console.log(`LISTENING ${port}`);
});
process.on('SIGTERM', () => {
  console.log(`OK_RESPONSES ${ok}`);
  server.forceShutdown();
  process.exit(0);
});
