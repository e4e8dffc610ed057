// @grpc/grpc-js implementation of marketplace.testing.v1.Echo with the same behaviour as the
// C# EchoService (tests/Grpc.Tests/EchoService.cs). Prints "LISTENING <port>" once bound on
// 127.0.0.1, "EVENT deadline-set:<message>" when a delayed call carries a deadline, and
// "EVENT ended:<message>" when such a call is cancelled (by the client or its deadline).
// Usage: node server.js [port]   (0 or nothing: a free port)
'use strict';
const { grpc, echo } = require('./echo-proto');

function sleep(ms, call) {
  return new Promise((resolve, reject) => {
    if (ms <= 0) return resolve();
    const timer = setTimeout(resolve, ms);
    call.on('cancelled', () => {
      clearTimeout(timer);
      reject(new Error('ended'));
    });
  });
}

function hasDeadline(call) {
  const deadline = call.getDeadline();
  return deadline instanceof Date ? isFinite(deadline.getTime()) : typeof deadline === 'number' && isFinite(deadline);
}

async function behave(request, call) {
  if (request.delayMs > 0 && hasDeadline(call)) console.log(`EVENT deadline-set:${request.message}`);
  try {
    await sleep(request.delayMs, call);
  } catch (e) {
    console.log(`EVENT ended:${request.message}`);
    throw e;
  }
  if (request.message === 'throw') {
    throw { code: grpc.status.UNKNOWN, details: 'Exception was thrown by handler.' };
  }
  if (request.failCode !== 0) {
    throw { code: request.failCode, details: request.failMessage };
  }
}

function echoMetadata(call) {
  const headers = new grpc.Metadata();
  const trailers = new grpc.Metadata();
  for (const [key, values] of Object.entries(call.metadata.getMap())) {
    if (!key.startsWith('x-meta-')) continue;
    headers.set(key, values);
    trailers.set('x-trail-' + key.substring('x-meta-'.length), values);
  }
  if (Object.keys(headers.getMap()).length > 0) call.sendMetadata(headers);
  return trailers;
}

function reply(request, call, index) {
  return {
    message: request.message,
    payload: request.replyPayloadSize > 0 ? Buffer.alloc(request.replyPayloadSize) : request.payload,
    index,
    connectionId: call.getPeer(),
  };
}

function fail(error, trailers) {
  if (error instanceof Error) return { code: grpc.status.CANCELLED, details: error.message, metadata: trailers };
  return { ...error, metadata: trailers };
}

const implementation = {
  async unary(call, callback) {
    const trailers = echoMetadata(call);
    try {
      await behave(call.request, call);
      callback(null, reply(call.request, call, 0), trailers);
    } catch (e) {
      callback(fail(e, trailers));
    }
  },
  async serverStream(call) {
    const trailers = echoMetadata(call);
    for (let i = 0; i < call.request.count; i++) call.write(reply(call.request, call, i));
    try {
      await behave(call.request, call);
      call.end(trailers);
    } catch (e) {
      call.emit('error', fail(e, trailers));
    }
  },
  clientStream(call, callback) {
    const trailers = echoMetadata(call);
    const messages = [];
    let bytes = 0;
    let failed = false;
    call.on('data', async (request) => {
      messages.push(request.message);
      bytes += request.payload.length;
      if (request.failCode !== 0 && !failed) {
        failed = true;
        callback(fail({ code: request.failCode, details: request.failMessage }, trailers));
      }
    });
    call.on('end', () => {
      if (!failed) callback(null, { message: messages.join(','), index: bytes, connectionId: call.getPeer() }, trailers);
    });
  },
  duplex(call) {
    const trailers = echoMetadata(call);
    let index = 0;
    let chain = Promise.resolve();
    call.on('data', (request) => {
      chain = chain.then(async () => {
        await behave(request, call);
        call.write(reply(request, call, index++));
      });
    });
    call.on('end', () => {
      chain.then(() => call.end(trailers), (e) => call.emit('error', fail(e, trailers)));
    });
  },
};

const server = new grpc.Server();
server.addService(echo.Echo.service, implementation);
const port = Number(process.argv[2] || 0);
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => {
  if (error) {
    console.error(error);
    process.exit(1);
  }
  console.log(`LISTENING ${bound}`);
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
