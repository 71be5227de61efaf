// `awm serve` through the real CLI on a copy of the demo project built offline once for the file:
// episodes over REST, each with its own MCP endpoint the SDK's Client drives, isolated databases,
// code verification after the reference solution (complete, 1) and on an untouched episode (others,
// 0), capacity refused with CAPACITY_REACHED and freed by DELETE, Prometheus counters, the idle
// reaper, the Host and Origin guards, a kept episode that `awm verify` accepts, OpenEnv's stateless
// routes and its WS /ws session protocol frame by frame.
import { request as httpRequest } from 'node:http';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CallOutcome } from '../src/env/call-outcome.js';
import { resolveReferences, type ReplayStep } from '../src/env/replay.js';
import type { TempProject } from './support/cli-rig.js';
import { exitCode, killLeftoverClis, runCli, type Cli } from './support/cli-process.js';
import { freshClone } from './support/fresh-clone.js';
import {
  assertAwmFields,
  awaitMetric,
  call,
  mcpClient,
  metric,
  openSocket,
  startServeCli,
} from './support/serve-client.js';
import { setUp } from './support/set-up.js';

const Serve = suite('awm serve: episodes, per-episode MCP, verify, capacity, metrics, reaper, guards, keep');
let project: TempProject;

setUp(Serve, async () => {
  project = freshClone();
  const built = await runCli(project, ['build'], {}, 240_000);
  if (built.code !== 0) throw new Error(`the demo build failed:\n${built.stdout}${built.stderr}`);
});
Serve.after(() => {
  killLeftoverClis();
  project.remove();
});

async function startServe(args: readonly string[]): Promise<{ cli: Cli; base: string; scenarios: number }> {
  return startServeCli(project, ['--drain-timeout', '0', ...args]);
}

function rawGet(base: string, path: string, headers: Record<string, string>): Promise<number> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on('error', reject);
    request.end('{}');
  });
}

Serve('two episodes, isolation, verify, capacity, metrics, guards, keep → awm verify, SIGTERM', async () => {
  const { cli, base, scenarios } = await startServe(['--max-episodes', '2']);
  assert.is(scenarios, 3);
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
  const health = await call(base, 'GET', '/health');
  assert.is(health.status, 200);
  assert.is(health.body['status'], 'healthy');

  const a = await call(base, 'POST', '/episodes', { scenario: 'online_bookstore', task_id: 'task_01' });
  const b = await call(base, 'POST', '/episodes', { scenario: 'online_bookstore', task_id: 'task_01' });
  assert.is(a.status, 201, a.text);
  assert.is(b.status, 201, b.text);
  assert.match(String(a.body['task']), "Create a new private wishlist called 'Summer reading 2026'");
  assert.is.not(a.body['episode_id'], b.body['episode_id']);
  const idA = String(a.body['episode_id']);
  const idB = String(b.body['episode_id']);
  assert.is(a.body['mcp_url'], `${base}/episodes/${idA}/mcp`);

  const clientA = await mcpClient(String(a.body['mcp_url']));
  const clientB = await mcpClient(String(b.body['mcp_url']));
  for (const client of [clientA, clientB]) {
    const { tools } = await client.listTools();
    assert.is(tools.length, 38);
    assert.not.ok(tools.some((tool) => ['verify', 'done', '__list_scenarios__'].includes(tool.name)));
  }
  // The reward is not reachable from the agent's side.
  const refused = await clientA.callTool({ name: 'verify', arguments: {} });
  assert.is(refused.isError, true);
  assert.match(JSON.stringify(refused.content), 'unknown_tool');
  // Refused by the episode, before the env host (which would refuse it only because no spec tool has the name).
  assert.match(JSON.stringify(refused.content), 'not its agent');

  // A's reference solution, with its `$result` references resolved against A's own results.
  const verifier = JSON.parse(
    readFileSync(join(project.dir, 'artifacts/online_bookstore/verifiers/task_01.json'), 'utf8'),
  ) as { solution: { calls: { tool: string; arguments: Record<string, unknown> }[] } };
  const steps: ReplayStep[] = [];
  for (const step of verifier.solution.calls) {
    const resolved = resolveReferences(step.arguments, steps);
    if (!resolved.ok) throw new Error(resolved.problem);
    const result = await clientA.callTool({ name: step.tool, arguments: resolved.value as Record<string, unknown> });
    assert.is(result.isError, undefined, JSON.stringify(result));
    const outcome: CallOutcome = { ok: true, result: result.structuredContent as Record<string, unknown> };
    steps.push({ tool: step.tool, arguments: resolved.value, outcome });
  }
  const verifiedA = await call(base, 'POST', `/episodes/${idA}/verify`, {});
  assert.is(verifiedA.status, 200, verifiedA.text);
  assert.is(verifiedA.body['result'], 'complete', verifiedA.text);
  assert.is(verifiedA.body['reward'], 1);
  // B never saw A's writes: untouched, its verdict is others and 0.
  const verifiedB = await call(base, 'POST', `/episodes/${idB}/verify`, { mode: 'code' });
  assert.is(verifiedB.status, 200, verifiedB.text);
  assert.is(verifiedB.body['result'], 'others', verifiedB.text);
  assert.is(verifiedB.body['reward'], 0);
  // The same create in B gets the same new id A's did: two copies of one seed.
  const first = steps[0]!.outcome as { ok: true; result: { wishlist: { wishlist_id: number } } };
  const inB = await clientB.callTool({ name: 'create_wishlist', arguments: { name: 'Summer reading 2026' } });
  assert.is(
    (inB.structuredContent as { wishlist: { wishlist_id: number } }).wishlist.wishlist_id,
    first.result.wishlist.wishlist_id,
  );
  const described = await call(base, 'GET', `/episodes/${idA}`);
  assert.is(described.status, 200);
  assert.is(described.body['state'], 'active');
  assert.is(described.body['calls'], 6);

  // Capacity: a third is refused, readiness says so, DELETE frees a slot.
  const third = await call(base, 'POST', '/episodes', { scenario: 'personal_banking' });
  assert.is(third.status, 503, third.text);
  assert.is((third.body['error'] as Record<string, unknown>)['code'], 'CAPACITY_REACHED');
  assert.is((await call(base, 'GET', '/health?ready')).status, 503);
  await clientB.close();
  assert.is((await call(base, 'DELETE', `/episodes/${idB}`)).status, 200);
  assert.is((await call(base, 'GET', `/episodes/${idB}`)).status, 404);
  assert.is((await call(base, 'GET', '/health?ready')).status, 200);
  const c = await call(base, 'POST', '/episodes', { scenario: 'personal_banking', task_id: 0 });
  assert.is(c.status, 201, c.text);

  // Guards: a foreign Host (DNS rebinding) and any Origin are refused.
  const port = new URL(base).port;
  assert.is(await rawGet(base, `/episodes`, { host: `evil.example:${port}`, 'content-type': 'application/json' }), 403);
  assert.is(await rawGet(base, `/episodes`, { host: `127.0.0.1:${port}`, origin: 'http://evil.example' }), 403);

  const metrics = await call(base, 'GET', '/metrics');
  assert.is(metrics.status, 200);
  assert.is(metric(metrics.text, 'awm_episodes_created_total'), 3);
  assert.is(metric(metrics.text, 'awm_episodes_created_total', { scenario: 'online_bookstore' }), 2);
  assert.is(metric(metrics.text, 'awm_active_episodes'), 2);
  assert.is(metric(metrics.text, 'awm_episodes_closed_total', { reason: 'deleted' }), 1);
  assert.is(metric(metrics.text, 'awm_episodes_refused_total'), 1);
  assert.is(metric(metrics.text, 'awm_tool_calls_total', { outcome: 'ok' }), 6);
  assert.is(metric(metrics.text, 'awm_tool_calls_total', { outcome: 'unknown_tool' }), 1);
  assert.is(metric(metrics.text, 'awm_tool_call_seconds_count'), 7);
  assert.is(metric(metrics.text, 'awm_verify_results_total', { reason: 'complete' }), 1);
  assert.is(metric(metrics.text, 'awm_verify_results_total', { reason: 'others' }), 1);

  // Kept: a run folder in the shape of `awm agent`'s, which `awm verify` takes.
  await clientA.close();
  const kept = await call(base, 'DELETE', `/episodes/${idA}?keep=1`);
  assert.is(kept.status, 200, kept.text);
  const runDir = String(kept.body['run_dir']);
  assert.match(runDir, `${project.dir}/outputs/episodes/`);
  // The verdict of its last verify, of this very state, is kept beside the trajectory.
  const keptVerdict = JSON.parse(readFileSync(join(runDir, 'verify.code.json'), 'utf8')) as Record<string, unknown>;
  assert.equal([keptVerdict['mode'], keptVerdict['result'], keptVerdict['reward']], ['code', 'complete', 1]);
  const verified = await runCli(project, ['verify', runDir, '--mode', 'code']);
  assert.is(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, 'complete (reward 1)');

  // Unscorable is not zero: a verifier that throws, then no verifier file at all.
  const broken = join(project.dir, 'artifacts/online_bookstore/verifiers/task_09.json');
  const file = JSON.parse(readFileSync(broken, 'utf8')) as Record<string, unknown>;
  writeFileSync(broken, JSON.stringify({ ...file, code_verifier: 'function () { throw new Error("boom"); }' }));
  const d = await call(base, 'POST', '/episodes', { scenario: 'online_bookstore', task_id: 'task_09' });
  assert.is(d.status, 201, d.text);
  const crashed = await call(base, 'POST', `/episodes/${String(d.body['episode_id'])}/verify`, {});
  assert.is(crashed.status, 200, crashed.text);
  assert.is(crashed.body['reward'], null, crashed.text);
  assert.is(crashed.body['reward_reason'], 'verifier_error');
  renameSync(broken, `${broken}.gone`);
  const missing = await call(base, 'POST', `/episodes/${String(d.body['episode_id'])}/verify`, {});
  assert.is(missing.status, 409, missing.text);
  assert.is(missing.body['reward'], null);
  assert.is(missing.body['reward_reason'], 'no_verifier');
  const after = await call(base, 'GET', '/metrics');
  assert.is(metric(after.text, 'awm_verify_results_total', { reason: 'verifier_error' }), 1);

  cli.killGroup('SIGTERM');
  assert.is(await exitCode(cli, 30_000), 0, cli.stderr());
  assert.match(cli.stdout(), 'awm: episode server stopped');
});

Serve("OpenEnv's stateless routes; the idle reaper closes an episode no request touched for --idle-ttl", async () => {
  const { cli, base, scenarios } = await startServe(['--scenarios', 'online_*', '--idle-ttl', '0.3']);
  assert.is(scenarios, 1);
  // OpenEnv's stateless routes, as its AWM port answers them.
  const metadata = await call(base, 'GET', '/metadata');
  assert.is(metadata.status, 200);
  assert.is(metadata.body['name'], 'awm');
  assert.match(String(metadata.body['description']), 'online_bookstore');
  const schema = await call(base, 'GET', '/schema');
  assert.is(schema.status, 200);
  for (const key of ['action', 'observation', 'state']) assert.type(schema.body[key], 'object');
  assert.is((schema.body['action'] as Record<string, unknown>)['title'], 'CallToolAction');
  assert.equal(Object.keys((schema.body['observation'] as { properties: object }).properties).sort(), [
    'done',
    'error',
    'has_verifier',
    'metadata',
    'num_tools',
    'reward',
    'reward_type',
    'scenario',
    'scenarios',
    'session_dir',
    'steps_taken',
    'task',
    'task_idx',
    'tool_name',
    'tool_result',
    'total',
    'trajectory_path',
    'verify_result',
    'warning',
  ]);
  assert.equal((await call(base, 'GET', '/state')).body, { episode_id: null, step_count: 0 });
  assert.is((await call(base, 'POST', '/reset', {})).status, 400);
  assert.is((await call(base, 'POST', '/step', { action: { type: 'list_tools' } })).status, 400);
  assert.is((await call(base, 'GET', '/reset')).status, 405);

  const created = await call(base, 'POST', '/episodes', { scenario: 'online_bookstore' });
  assert.is(created.status, 201, created.text);
  const id = String(created.body['episode_id']);
  assert.is((await call(base, 'GET', `/episodes/${id}`)).status, 200);
  const start = Date.now();
  for (;;) {
    if ((await call(base, 'GET', `/episodes/${id}`)).status === 404) break;
    if (Date.now() - start > 10_000) throw new Error('the idle episode was not reaped within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const metrics = await call(base, 'GET', '/metrics');
  assert.is(metric(metrics.text, 'awm_episodes_closed_total', { reason: 'reaped' }), 1);
  assert.is(metric(metrics.text, 'awm_active_episodes'), 0);
  cli.killGroup('SIGTERM');
  assert.is(await exitCode(cli, 30_000), 0, cli.stderr());
});

Serve(
  'OpenEnv WS /ws frame by frame (reset, list_tools, call_tool, a bad tool, verify, done, state, close, errors); the POST /mcp dialect; /openapi.json',
  async () => {
    // --reattach-grace 0: a dropped socket's episode closes at once (the re-attach is serve-sessions.test.ts').
    const { cli, base } = await startServe(['--scenarios', 'online_bookstore', '--reattach-grace', '0']);
    const wsUrl = `${base.replace('http://', 'ws://')}/ws`;
    const socket = await openSocket(wsUrl);
    assert.equal(await socket.send({ type: 'state' }), { type: 'state', data: { episode_id: null, step_count: 0 } });
    const notJson = await socket.sendText('not json');
    assert.is(notJson.type, 'error');
    assert.is(notJson.data.code, 'INVALID_JSON');
    assert.is((await socket.send({ type: 'bogus' })).data.code, 'UNKNOWN_TYPE');
    const early = await socket.send({
      type: 'step',
      data: { type: 'call_tool', tool_name: 'get_book', arguments: {} },
    });
    assert.match(String(early.data.observation.error), 'send reset first');

    const reset = await socket.send({ type: 'reset', data: { scenario: 'online_bookstore', task_idx: 1 } });
    assert.is(reset.type, 'observation');
    assert.is(reset.data.done, false);
    assert.is(reset.data.reward, null);
    const resetObservation = reset.data.observation as Record<string, any>;
    assertAwmFields(resetObservation);
    assert.is(resetObservation.reward_type, 'reset_ok');
    assert.is(resetObservation.task_idx, 1);
    assert.is(resetObservation.num_tools, 38);
    // No LLM judge is configured here, so sql mode cannot verify.
    assert.equal(resetObservation.has_verifier, { sql: false, code: true });
    assert.match(resetObservation.task, 'Summer reading 2026');
    const episodeId = String(resetObservation.metadata.episode_id);
    assert.is(resetObservation.metadata.mcp_url, `${base}/episodes/${episodeId}/mcp`);

    const listed = await socket.send({ type: 'step', data: { type: 'list_tools' } });
    const tools = listed.data.observation.tools as Record<string, unknown>[];
    assert.is(tools.length, 38);
    for (const tool of tools) assert.equal(Object.keys(tool).sort(), ['description', 'input_schema', 'name']);

    const bad = await socket.send({
      type: 'step',
      data: { type: 'call_tool', tool_name: 'no_such_tool', arguments: {} },
    });
    assert.is(bad.data.observation.reward_type, 'tool_not_found');
    assert.is(bad.data.reward, -1);
    assertAwmFields(bad.data.observation);

    const verifier = JSON.parse(
      readFileSync(join(project.dir, 'artifacts/online_bookstore/verifiers/task_01.json'), 'utf8'),
    ) as { solution: { calls: { tool: string; arguments: Record<string, unknown> }[] } };
    const steps: ReplayStep[] = [];
    for (const step of verifier.solution.calls) {
      const resolved = resolveReferences(step.arguments, steps);
      if (!resolved.ok) throw new Error(resolved.problem);
      const reply = await socket.send({
        type: 'step',
        data: { type: 'call_tool', tool_name: step.tool, arguments: resolved.value },
      });
      assert.is(reply.data.observation.reward_type, 'tool_call_ok', JSON.stringify(reply));
      assert.is(reply.data.reward, 0);
      steps.push({
        tool: step.tool,
        arguments: resolved.value,
        outcome: { ok: true, result: reply.data.observation.tool_result },
      });
    }
    const verified = await socket.send({
      type: 'step',
      data: { type: 'call_tool', tool_name: 'verify', arguments: { verifier_mode: 'code' } },
    });
    assert.is(verified.data.observation.reward_type, 'complete', JSON.stringify(verified));
    assert.is(verified.data.reward, 1);
    assert.is(verified.data.done, false);
    const state = await socket.send({ type: 'state' });
    assert.equal(state.data, { episode_id: episodeId, step_count: 8 });
    const done = await socket.send({ type: 'step', data: { type: 'call_tool', tool_name: 'done', arguments: {} } });
    assert.is(done.data.done, true);
    assert.is(done.data.reward, 1);
    assert.is((await call(base, 'GET', `/episodes/${episodeId}`)).status, 404);
    const closed = new Promise<number>((resolve) => socket.ws.once('close', (code) => resolve(code)));
    socket.ws.send(JSON.stringify({ type: 'close' }));
    assert.is(await closed, 1000);

    // The port's done (reward 0, no verification) on request; an untouched episode.
    const second = await openSocket(wsUrl);
    await second.send({ type: 'reset', data: { scenario: 'online_bookstore', task_idx: 1, done_reward: 'zero' } });
    const zero = await second.send({ type: 'step', data: { type: 'call_tool', tool_name: 'done', arguments: {} } });
    assert.equal([zero.data.reward, zero.data.done, zero.data.observation.reward_type], [0, true, 'done']);

    // A dropped socket closes its episode (no grace).
    const reset2 = await second.send({ type: 'reset', data: { scenario: 'online_bookstore', task_idx: 2 } });
    const droppedId = String(reset2.data.observation.metadata.episode_id);
    assert.is((await call(base, 'GET', `/episodes/${droppedId}`)).status, 200);
    second.ws.terminate();
    const start = Date.now();
    while ((await call(base, 'GET', `/episodes/${droppedId}`)).status !== 404) {
      if (Date.now() - start > 10_000) throw new Error("the dropped socket's episode stayed open");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // 404 as soon as the close begins; the counter once it has ended.
    assert.is(await awaitMetric(base, 'awm_episodes_closed_total', { reason: 'disconnected' }), 1);
    const metrics = await call(base, 'GET', '/metrics');
    assert.is(metric(metrics.text, 'awm_episodes_closed_total', { reason: 'done' }), 2);

    // OpenEnv's POST /mcp dialect: always 200 JSON-RPC; sessions are episodes.
    const rpc = async (body: unknown): Promise<Record<string, any>> => {
      const answer = await call(base, 'POST', '/mcp', body);
      assert.is(answer.status, 200, answer.text);
      assert.is(answer.body['jsonrpc'], '2.0');
      return answer.body;
    };
    assert.is((await rpc({})).error.code, -32600);
    assert.is((await rpc({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} })).error.code, -32601);
    const listedRpc = await rpc({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
    assert.is(listedRpc.result.tools.length, 38);
    const session = await rpc({ jsonrpc: '2.0', id: 3, method: 'openenv/session/create', params: {} });
    const sessionId = String(session.result.session_id);
    const created = await rpc({
      jsonrpc: '2.0',
      id: 4,
      method: 'tools/call',
      params: { session_id: sessionId, name: 'create_wishlist', arguments: { name: 'Dialect list' } },
    });
    assert.is(created.result.isError, undefined, JSON.stringify(created));
    assert.ok(created.result.structuredContent.wishlist.wishlist_id > 0);
    const oracle = await rpc({
      jsonrpc: '2.0',
      id: 5,
      method: 'tools/call',
      params: { session_id: sessionId, name: 'verify', arguments: {} },
    });
    assert.is(oracle.result.isError, true);
    assert.match(JSON.stringify(oracle.result.content), 'not its agent');
    assert.is((await call(base, 'GET', `/episodes/${sessionId}`)).body['calls'], 2);
    const closedRpc = await rpc({
      jsonrpc: '2.0',
      id: 6,
      method: 'openenv/session/close',
      params: { session_id: sessionId },
    });
    assert.equal(closedRpc.result, { session_id: sessionId, closed: true });
    assert.is((await call(base, 'GET', `/episodes/${sessionId}`)).status, 404);
    const openapi = await call(base, 'GET', '/openapi.json');
    assert.is((openapi.body['info'] as Record<string, unknown>)['version'], '1.0.0');
    for (const path of ['/reset', '/step', '/state']) assert.ok(path in (openapi.body['paths'] as object), path);

    cli.killGroup('SIGTERM');
    assert.is(await exitCode(cli, 30_000), 0, cli.stderr());
  },
);

Serve.run();
