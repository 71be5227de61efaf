// The worker entry of scripts/bench-sandbox-worker.mjs: answers each request with itself.
export default {
  init: () => null,
  handle: (request) => request,
};
