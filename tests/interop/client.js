// An independent client of the platform's services: @grpc/grpc-js with the contracts loaded
// from protos/ by @grpc/proto-loader, the way a Node team would call them. Used by
// tests/Interop.Tests (GrpcJsClientTests), which starts the services, passes what the calls
// need and asserts on what this prints.
//
// Usage: node client.js <context-json>
//   context: { service: "orders"|"reviews"|"messaging"|"scoring", phase: "calls"|"deadline",
//              port, protoFile, serviceName, tokens: { buyer, seller, stranger, internal },
//              buyerId, sellerId, unknownId, probe, deadlineMs, ...service-specific ids }
// Prints one JSON object: { "<step>": { "code": n, "details": "...", "response": {...} | null } }
// (code 0 with the response, or the status code and message of the failure) and exits 0; it
// exits 1 only when it could not run at all. Steps of phase "calls": `call` and `followUp`
// succeed with a bearer token, `noToken` has none, `stranger` is a caller who is not a party,
// `unknown` names an id nobody has, asked by an internal caller (who may see every entity: anyone
// else is refused before the service says it does not exist). Phase "deadline": one read with a deadline of deadlineMs
// while the test holds Redis, carrying `x-probe` metadata so the server side can be observed.
'use strict';
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const context = JSON.parse(process.argv[2]);
const protoRoot = path.resolve(__dirname, '..', '..', 'protos');
const definition = protoLoader.loadSync(context.protoFile, {
  includeDirs: [protoRoot],
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const Service = context.serviceName.split('.').reduce((node, part) => node[part], grpc.loadPackageDefinition(definition));
const client = new Service(`127.0.0.1:${context.port}`, grpc.credentials.createInsecure());

/** One unary call; resolves (never rejects) with its code, details and response. */
function call(method, request, { token = null, deadlineMs = 10000, metadata = {} } = {}) {
  const headers = new grpc.Metadata();
  if (token) headers.set('authorization', token);
  for (const [key, value] of Object.entries(metadata)) headers.set(key, value);
  return new Promise((resolve) => {
    client[method](request, headers, { deadline: Date.now() + deadlineMs }, (error, response) => {
      resolve(error
        ? { code: error.code, details: error.details, response: null }
        : { code: grpc.status.OK, details: '', response });
    });
  });
}

const requestId = () => `req-${Date.now()}-${Math.random().toString(16).slice(2)}`;
const inDays = (days) => ({ seconds: String(Math.floor(Date.now() / 1000) + days * 86400), nanos: 0 });

// Per service: the steps of phase "calls", and the read used for the deadline.
const services = {
  orders: {
    async calls(t) {
      const placed = await call('placeOrder', {
        requestId: requestId(),
        gigId: context.gigId,
        sellerId: context.sellerId,
        category: 'graphics-design',
        amount: { currencyCode: 'USD', amountMinor: '4500' },
        dueAt: inDays(7),
        revisionsIncluded: 1,
      }, { token: t.buyer });
      const orderId = placed.response ? placed.response.orderId : 'none';
      return {
        call: placed,
        followUp: await call('getOrder', { orderId }, { token: t.seller }),
        noToken: await call('getOrder', { orderId }),
        stranger: await call('getOrder', { orderId }, { token: t.stranger }),
        unknown: await call('getOrder', { orderId: context.unknownId }, { token: t.internal }),
      };
    },
    deadline: (options) => call('getOrder', { orderId: context.unknownId }, options),
  },

  reviews: {
    async calls(t) {
      const orderId = context.orderId;
      return {
        call: await call('submitBuyerReview', {
          requestId: requestId(),
          orderId,
          ratings: { overall: 5, communication: 5, quality: 4, valueForMoney: 5, wouldRecommend: true, privateRating: 9 },
          text: 'Schnell geliefert – sehr zufrieden ✓',
        }, { token: t.buyer }),
        followUp: await call('getReview', { orderId }, { token: t.seller }),
        noToken: await call('getReview', { orderId }),
        stranger: await call('submitBuyerReview', {
          requestId: requestId(),
          orderId,
          ratings: { overall: 1, communication: 1, quality: 1, valueForMoney: 1, wouldRecommend: false, privateRating: 0 },
          text: 'not my order, still reviewing it',
        }, { token: t.stranger }),
        unknown: await call('getReview', { orderId: context.unknownId }, { token: t.internal }),
      };
    },
    deadline: (options) => call('getReview', { orderId: context.unknownId }, options),
  },

  messaging: {
    async calls(t) {
      const started = await call('startConversation', {
        requestId: requestId(),
        counterpartId: context.sellerId,
        text: 'Hello – could you draw a logo? ✓',
      }, { token: t.buyer });
      const conversationId = started.response ? started.response.conversationId : 'none';
      return {
        call: started,
        followUp: await call('sendMessage', { requestId: requestId(), conversationId, text: 'Sure, send me the details.' }, { token: t.seller }),
        noToken: await call('getConversation', { conversationId }),
        stranger: await call('getConversation', { conversationId }, { token: t.stranger }),
        unknown: await call('getConversation', { conversationId: context.unknownId }, { token: t.internal }),
      };
    },
    deadline: (options) => call('getConversation', { conversationId: context.unknownId }, options),
  },

  scoring: {
    async calls(t) {
      return {
        call: await call('getGigScore', { gigId: context.gigId }, { token: t.seller }),
        followUp: await call('getSellerLevel', { sellerId: context.sellerId }, { token: t.buyer }),
        noToken: await call('getGigScore', { gigId: context.gigId }),
        stranger: await call('getGigScore', { gigId: context.gigId }, { token: t.stranger }),
        unknown: await call('getGigScore', { gigId: context.unknownId }, { token: t.internal }),
      };
    },
    deadline: (options) => call('getGigScore', { gigId: context.unknownId }, options),
  },
};

(async () => {
  try {
    const service = services[context.service];
    if (!service) throw new Error(`unknown service '${context.service}'`);
    const results = context.phase === 'deadline'
      ? { deadline: await service.deadline({ token: context.tokens.internal, deadlineMs: context.deadlineMs, metadata: { 'x-probe': context.probe } }) }
      : await service.calls(context.tokens);
    console.log(JSON.stringify(results));
    client.close();
    process.exit(0);
  } catch (e) {
    console.error(String(e && (e.stack || e)));
    process.exit(1);
  }
})();
