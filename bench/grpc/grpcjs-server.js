// The @grpc/grpc-js baseline for bench/grpc/run.sh: marketplace.testing.v1.Echo/Unary echoing
// the message, like BenchServer. Counts the calls it answered with OK and prints
// "OK_RESPONSES <n>" on SIGTERM. Usage: node grpcjs-server.js <port>
'use strict';
const { grpc, echo } = require('../../tests/interop/echo-proto');

let ok = 0;
const server = new grpc.Server();
const notBenchmarked = (call, callback) => callback({ code: grpc.status.UNIMPLEMENTED, details: 'Only Unary is benchmarked.' });
server.addService(echo.Echo.service, {
  unary(call, callback) {
    ok++;
    callback(null, { message: call.request.message });
  },
  serverStream: (call) => call.emit('error', { code: grpc.status.UNIMPLEMENTED }),
  clientStream: notBenchmarked,
  duplex: (call) => call.emit('error', { code: grpc.status.UNIMPLEMENTED }),
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
