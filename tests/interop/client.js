// @grpc/grpc-js client exercising a server of marketplace.testing.v1.Echo (our C# server in
// tests/Grpc.Tests/InteropTests.cs). Runs every scenario, prints one JSON object
// {"<scenario>": {"ok": bool, "detail": string}} and exits 0 only when all passed.
// Usage: node client.js <port>
'use strict';
const { grpc, echo, health } = require('./echo-proto');

const target = `127.0.0.1:${process.argv[2]}`;
const client = new echo.Echo(target, grpc.credentials.createInsecure());
const secret = 'secret';
const FOUR_MIB = 4 * 1024 * 1024;

function unary(request, options = {}, metadata = new grpc.Metadata()) {
  return new Promise((resolve) => {
    let headers = null;
    let status = null;
    let result = null;
    const call = client.unary(request, metadata, options, (error, response) => {
      result = { error, response };
      if (status) resolve({ ...result, headers, status, call });
    });
    call.on('metadata', (m) => { headers = m; });
    call.on('status', (s) => {
      status = s;
      if (result) resolve({ ...result, headers, status, call });
    });
    // Cancel once the server's headers arrive: the handler is then running.
    if (options.cancelOnHeaders) call.on('metadata', () => call.cancel());
  });
}

function check(condition, detail) {
  if (!condition) throw new Error(detail);
}

const scenarios = {
  async unary() {
    const { error, response } = await unary({ message: 'hello', payload: Buffer.from('abc') });
    check(!error, `error ${error && error.message}`);
    check(response.message === 'hello' && response.payload.toString() === 'abc', JSON.stringify(response));
  },

  async serverStream() {
    const indexes = await new Promise((resolve, reject) => {
      const seen = [];
      const call = client.serverStream({ message: 's', count: 10 });
      call.on('data', (r) => seen.push(r.index));
      call.on('error', reject);
      call.on('end', () => resolve(seen));
    });
    check(JSON.stringify(indexes) === JSON.stringify([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), `indexes ${indexes}`);
  },

  async clientStream() {
    const response = await new Promise((resolve, reject) => {
      const call = client.clientStream((error, r) => (error ? reject(error) : resolve(r)));
      for (const word of ['a', 'b', 'c']) call.write({ message: word, payload: Buffer.alloc(10) });
      call.end();
    });
    check(response.message === 'a,b,c' && response.index === 30, JSON.stringify(response));
  },

  async duplex() {
    const call = client.duplex();
    const replies = [];
    const ended = new Promise((resolve, reject) => {
      call.on('error', reject);
      call.on('end', resolve);
    });
    for (let i = 0; i < 5; i++) {
      const next = new Promise((resolve) => call.once('data', resolve));
      call.write({ message: `m${i}` });
      const r = await next;
      replies.push(`${r.message}/${r.index}`);
    }
    call.end();
    await ended;
    check(replies.join(' ') === 'm0/0 m1/1 m2/2 m3/3 m4/4', replies.join(' '));
  },

  async metadata() {
    const binary = Buffer.from([0, 1, 2, 250, 255]);
    const metadata = new grpc.Metadata();
    metadata.set('x-meta-text', 'plain value');
    metadata.set('x-meta-data-bin', binary);
    const { error, headers, status } = await unary({ message: 'm' }, {}, metadata);
    check(!error, `error ${error && error.message}`);
    check(headers.get('x-meta-text')[0] === 'plain value', `header text ${headers.get('x-meta-text')}`);
    check(Buffer.compare(headers.get('x-meta-data-bin')[0], binary) === 0, 'header binary differs');
    check(status.metadata.get('x-trail-text')[0] === 'plain value', 'trailer text differs');
    check(Buffer.compare(status.metadata.get('x-trail-data-bin')[0], binary) === 0, 'trailer binary differs');
  },

  async deadline() {
    const { error } = await unary({ message: 'deadline-node', delayMs: 30000 }, { deadline: Date.now() + 2000 });
    check(error && error.code === grpc.status.DEADLINE_EXCEEDED, `code ${error && error.code}`);
  },

  async cancel() {
    const metadata = new grpc.Metadata();
    metadata.set('x-meta-sync', '1');
    const { error } = await unary({ message: 'cancel-node', delayMs: 30000 }, { cancelOnHeaders: true }, metadata);
    check(error && error.code === grpc.status.CANCELLED, `code ${error && error.code}`);
  },

  async largeMessages() {
    const size = FOUR_MIB - 64;
    const { error, response } = await unary({ payload: Buffer.alloc(size), replyPayloadSize: size });
    check(!error, `error ${error && error.message}`);
    check(response.payload.length === size, `payload ${response.payload.length}`);
  },

  async oversize() {
    const { error } = await unary({ payload: Buffer.alloc(FOUR_MIB + 1) });
    check(error && error.code === grpc.status.RESOURCE_EXHAUSTED, `code ${error && error.code}`);
  },

  async nonAsciiError() {
    const detail = 'Bewertung nicht gefunden – 評価 100% ✓';
    const { error } = await unary({ failCode: grpc.status.NOT_FOUND, failMessage: detail });
    check(error && error.code === grpc.status.NOT_FOUND, `code ${error && error.code}`);
    check(error.details === detail, `details ${error.details}`);
  },

  async unhandledException() {
    const { error } = await unary({ message: 'throw' });
    check(error && error.code === grpc.status.UNKNOWN, `code ${error && error.code}`);
    check(!error.details.includes(secret), `leaked: ${error.details}`);
  },

  async unimplemented() {
    const error = await new Promise((resolve) => {
      client.makeUnaryRequest('/marketplace.testing.v1.Echo/Nope', (x) => x, (x) => x, Buffer.alloc(0), (e) => resolve(e));
    });
    check(error && error.code === grpc.status.UNIMPLEMENTED, `code ${error && error.code}`);
  },

  async concurrent() {
    const calls = [];
    for (let i = 0; i < 100; i++) calls.push(unary({ message: `c${i}`, delayMs: 20 }));
    for (let i = 0; i < 10; i++) {
      calls.push(new Promise((resolve) => {
        let last = null;
        const call = client.serverStream({ message: `s${i}`, count: 20 });
        call.on('data', (r) => { last = r; });
        call.on('error', (error) => resolve({ error }));
        call.on('end', () => resolve({ response: last }));
      }));
    }
    const results = await Promise.all(calls);
    const failed = results.filter((r) => r.error);
    check(failed.length === 0, `${failed.length} failed: ${failed[0] && failed[0].error.message}`);
    const connections = new Set(results.map((r) => r.response.connectionId));
    check(connections.size === 1, `${connections.size} connections`);
  },

  async health() {
    const healthClient = new health.Health(target, grpc.credentials.createInsecure());
    const response = await new Promise((resolve, reject) =>
      healthClient.check({ service: '' }, (e, r) => (e ? reject(e) : resolve(r))));
    check(response.status === 'SERVING', `status ${response.status}`);
    const unknown = await new Promise((resolve) =>
      healthClient.check({ service: 'no.such.Service' }, (e) => resolve(e)));
    check(unknown && unknown.code === grpc.status.NOT_FOUND, `unknown service: ${unknown && unknown.code}`);
    healthClient.close();
  },
};

(async () => {
  const results = {};
  let allOk = true;
  for (const [name, run] of Object.entries(scenarios)) {
    try {
      await run();
      results[name] = { ok: true, detail: '' };
    } catch (e) {
      allOk = false;
      results[name] = { ok: false, detail: String(e && (e.stack || e.message || e)) };
    }
  }
  client.close();
  console.log(JSON.stringify(results));
  process.exit(allOk ? 0 : 1);
})();
