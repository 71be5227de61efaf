#!/usr/bin/env node
// Runs the local OpenAI-compatible mock server by hand, to try awm against an LLM that misbehaves
// on purpose. Needs the compiled code (`npm run build`).
//
//   node scripts/mock-llm.mjs [--port 8787] [--answer FILE] [--fault KIND]...
//
// --answer FILE   answer every chat request with the text of FILE (default: `{}`)
// --fault KIND    answer the next request with a fault first; repeat for several, in order.
//                 KIND: rate-limit | server-error | hang | truncated | prose | refusal | unauthorized
//                 | huge (a 50 MB answer, streamed)
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { startMockLlmServer, mockStep } = await import(
  new URL('../dist/src/testing/mock-llm-server.js', import.meta.url).href
).catch(() => {
  process.stderr.write('mock-llm: dist/src/testing/mock-llm-server.js is missing; run `npm run build` first.\n');
  process.exit(2);
});

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    answer: { type: 'string' },
    fault: { type: 'string', multiple: true, default: [] },
  },
});

const answerText = values.answer ? readFileSync(values.answer, 'utf8') : '{}';
const answerValue = (() => {
  try {
    return JSON.parse(answerText);
  } catch {
    return { text: answerText };
  }
})();

const faults = {
  'rate-limit': () => mockStep.rateLimited({ 'retry-after': '1' }),
  'server-error': () => mockStep.serverError(500),
  hang: () => mockStep.hang(),
  truncated: () => mockStep.truncated(answerValue),
  prose: () => mockStep.proseAround(answerValue),
  refusal: () => mockStep.refusal(),
  unauthorized: () => mockStep.unauthorized(),
  huge: () => mockStep.huge(50 * 1024 * 1024),
};

const steps = values.fault.map((kind) => {
  const make = faults[kind];
  if (!make) {
    process.stderr.write(`mock-llm: unknown --fault '${kind}'; use one of: ${Object.keys(faults).join(', ')}\n`);
    process.exit(2);
  }
  return make();
});

const server = await startMockLlmServer(
  {
    steps,
    respond: () => mockStep.answer(answerText),
    onRequest: (request) => process.stdout.write(`${new Date().toISOString()} ${request.method} ${request.path}\n`),
  },
  { port: Number(values.port) },
);
process.stdout.write(
  `mock LLM server listening on ${server.origin}\n` +
    `  OpenAI-compatible: OPENAI_BASE_URL=${server.url} OPENAI_API_KEY=mock npx awm build\n` +
    `  Azure:             AWM_SYN_LLM_PROVIDER=azure AZURE_ENDPOINT_URL=${server.origin} AZURE_OPENAI_API_KEY=mock npx awm build\n` +
    'Ctrl-C stops it.\n',
);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
