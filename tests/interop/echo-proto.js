// Loads the shared test proto (tests/Grpc.Tests/Protos/echo.proto) and the health proto the
// same way every script here does, so client, server and benchmark speak from one file.
'use strict';
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const repoRoot = path.resolve(__dirname, '..', '..');
const loaderOptions = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };

function load(file, includeDirs) {
  const definition = protoLoader.loadSync(file, { ...loaderOptions, includeDirs });
  return grpc.loadPackageDefinition(definition);
}

const echo = load('echo.proto', [path.join(repoRoot, 'tests', 'Grpc.Tests', 'Protos')]).marketplace.testing.v1;
const health = load('grpc/health/v1/health.proto', [path.join(repoRoot, 'protos')]).grpc.health.v1;

module.exports = { grpc, echo, health };
