// `awm serve`'s sessions over real loopback sockets, through the real CLI on a fresh offline demo
// build: a dropped WebSocket's episode re-attached with its writes, a half-open socket dropped by
// the server's pings, capacity on /ws at accept and at reset, tools and scenarios before reset,
// WS /mcp and `{"type":"mcp"}` frames, the SIGTERM drain, and sql-mode verify with a judge the test
// controls (a mock OpenAI-compatible server) and without one.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket } from 'ws';
import { findPython } from '../src/sandbox/python-interpreter.js';
import { mockStep, startMockLlmServer } from '../src/testing/mock-llm-server.js';
import type { TempProject } from './support/cli-rig.js';
import { exitCode, killLeftoverClis, runCli, waitFor } from './support/cli-process.js';
import { freshClone } from './support/fresh-clone.js';
import { assertAwmFields, awaitMetric, call, metric, openSocket, startServeCli } from './support/serve-client.js';
import { judgeAnswer } from './support/verify-fixture.js';
import { setUp } from './support/set-up.js';

const Sessions = suite('awm serve: re-attach, half-open sockets, WS capacity, WS /mcp, drain, sql verify');
let project: TempProject;

setUp(Sessions, async () => {
  project = freshClone();
  const built = await runCli(project, ['build'], {}, 240_000);
  if (built.code !== 0) throw new Error(`the demo build failed:\n${built.stdout}${built.stderr}`);
});
Sessions.after(() => {
  killLeftoverClis();
  project.remove();
});

interface SolutionCall {
  readonly tool: string;
  readonly arguments: Record<string, unknown>;
}

/** The bookstore's task_01 reference calls (no `$result` references in it). */
function wishlistSolution(): SolutionCall[] {
  const solutions = JSON.parse(readFileSync(join(project.dir, 'demo/solutions/online_bookstore.json'), 'utf8')) as {
    tasks: { id: string; calls: SolutionCall[] }[];
  };
  const calls = solutions.tasks.find((task) => task.id === 'task_01')!.calls;
  assert.not.match(JSON.stringify(calls), '$result');
  return calls;
}

const step = (tool: string, args: Record<string, unknown> = {}): unknown => ({
  type: 'step',
  data: { type: 'call_tool', tool_name: tool, arguments: args },
});

/** The promise's value, or a failure naming what did not happen within `ms`. */
function within<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms).unref()),
  ]);
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Sessions(
  'a dropped socket re-attached keeps its writes; a half-open socket is dropped by pings; capacity at accept and reset; tools and scenarios before reset',
  async () => {
    const { cli, base } = await startServeCli(project, [
      '--scenarios',
      'online_bookstore',
      '--max-episodes',
      '2',
      '--ws-ping',
      '0.2',
      '--reattach-grace',
      '60',
      '--drain-timeout',
      '0',
    ]);
    const wsUrl = `${base.replace('http://', 'ws://')}/ws`;
    const calls = wishlistSolution();

    // Before any reset: the one scenario's tools, and every scenario with its tasks.
    const first = await openSocket(wsUrl);
    const early = await first.send({ type: 'step', data: { type: 'list_tools' } });
    assert.is(early.data.observation.tools.length, 38);
    assert.not.ok(early.data.observation.tools.some((tool: { name: string }) => tool.name === 'verify'));
    const listed = await first.send(step('__list_scenarios__'));
    assertAwmFields(listed.data.observation);
    assert.is(listed.data.observation.total, 1);
    assert.is(listed.data.observation.scenarios[0].name, 'online_bookstore');
    assert.is(listed.data.observation.scenarios[0].tasks.length, 10);
    assert.match(listed.data.observation.scenarios[0].tasks[1], 'Summer reading 2026');

    // The first call, then the socket drops (no close frame): the episode stays open, detached.
    const reset = await first.send({ type: 'reset', data: { scenario: 'online_bookstore', task_idx: 1 } });
    const id = String(reset.data.observation.metadata.episode_id);
    const made = await first.send(step(calls[0]!.tool, calls[0]!.arguments));
    assert.is(made.data.observation.reward_type, 'tool_call_ok', JSON.stringify(made));
    first.ws.terminate();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.is((await call(base, 'GET', `/episodes/${id}`)).status, 200, 'the dropped episode waits for its client');

    // A new socket takes it up: the rest of the solution on top of the first call's write.
    const second = await openSocket(wsUrl);
    const resumed = await second.send({ type: 'reset', data: { resume_episode_id: id } });
    assertAwmFields(resumed.data.observation);
    assert.is(resumed.data.observation.reward_type, 'reset_ok', JSON.stringify(resumed));
    assert.is(resumed.data.observation.metadata.episode_id, id);
    assert.is(resumed.data.observation.metadata.resumed, true);
    assert.match(resumed.data.observation.task, 'Summer reading 2026');
    assert.equal((await second.send({ type: 'state' })).data, { episode_id: id, step_count: 1 });
    // A third socket cannot take an episode a live socket drives, nor one that does not exist.
    const third = await openSocket(wsUrl);
    const stolen = await third.send({ type: 'reset', data: { resume_episode_id: id } });
    assert.is(stolen.data.observation.reward_type, 'reset_error');
    assert.match(stolen.data.observation.error, 'driven by another connection');
    const unknown = await third.send({ type: 'reset', data: { resume_episode_id: 'no-such-episode' } });
    assert.match(unknown.data.observation.error, 'there is no open episode no-such-episode');
    third.ws.close(1000);
    for (const call_ of calls.slice(1)) {
      const reply = await second.send(step(call_.tool, call_.arguments));
      assert.is(reply.data.observation.reward_type, 'tool_call_ok', JSON.stringify(reply));
    }
    const verified = await second.send(step('verify', { verifier_mode: 'code' }));
    assert.is(verified.data.observation.reward_type, 'complete', JSON.stringify(verified));
    assert.is(verified.data.reward, 1);

    // A half-open socket (it answers no ping) is dropped by the server; its episode is detached.
    const silent = new WebSocket(wsUrl, { autoPong: false });
    await within(new Promise((resolve, reject) => silent.once('open', resolve).once('error', reject)), 'the open');
    const silentClosed = new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
    const silentReply = new Promise<Record<string, any>>((resolve) =>
      silent.once('message', (data) => resolve(JSON.parse(data.toString()))),
    );
    silent.send(JSON.stringify({ type: 'reset', data: { scenario: 'online_bookstore', task_idx: 2 } }));
    const silentId = String((await within(silentReply, 'the reset reply')).data.observation.metadata.episode_id);
    assert.is(
      await within(silentClosed, 'the half-open socket to be dropped'),
      1006,
      'the server terminated the half-open socket',
    );
    assert.is((await call(base, 'GET', `/episodes/${silentId}`)).status, 200);

    // Both slots are taken (the second socket's episode and the detached one). A socket may still
    // connect, since it may be the dropped client's; a new episode is refused, the resume is not.
    const fourth = await openSocket(wsUrl);
    const refused = await fourth.send({ type: 'reset', data: { scenario: 'online_bookstore', task_idx: 3 } });
    assert.is(refused.type, 'error');
    assert.is(refused.data.code, 'CAPACITY_REACHED');
    assert.equal([refused.data.active_sessions, refused.data.max_sessions], [2, 2]);
    const taken = await fourth.send({ type: 'reset', data: { resume_episode_id: silentId } });
    assert.is(taken.data.observation.metadata.episode_id, silentId);
    const fourthClosed = new Promise<number>((resolve) => fourth.ws.once('close', (code) => resolve(code)));
    fourth.ws.send(JSON.stringify({ type: 'close' }));
    assert.is(await within(fourthClosed, 'the close'), 1000);
    assert.is((await call(base, 'GET', `/episodes/${silentId}`)).status, 404, 'a close frame ends the episode');

    // Full with nothing detached: refused at accept with OpenEnv's code, then closed 1013.
    const other = await openSocket(wsUrl);
    await other.send({ type: 'reset', data: { scenario: 'online_bookstore', task_idx: 4 } });
    const late = new WebSocket(wsUrl);
    const lateFrame = new Promise<Record<string, any>>((resolve) =>
      late.once('message', (data) => resolve(JSON.parse(data.toString()))),
    );
    const lateClosed = new Promise<number>((resolve) => late.once('close', (code) => resolve(code)));
    const frame = await within(lateFrame, 'the refusal frame');
    assert.equal([frame.type, frame.data.code, frame.data.max_sessions], ['error', 'CAPACITY_REACHED', 2]);
    assert.is(await within(lateClosed, 'the refused socket to close'), 1013);
    const metrics = await call(base, 'GET', '/metrics');
    assert.is(metric(metrics.text, 'awm_episodes_closed_total', { reason: 'disconnected' }), 1);
    other.ws.close(1000);
    second.ws.close(1000);
    await until('the episodes closed by clean closes', async () => {
      const health = await call(base, 'GET', '/health');
      return health.body['active_sessions'] === 0;
    });
    cli.killGroup('SIGTERM');
    assert.is(await exitCode(cli, 30_000), 0, cli.stderr());
  },
);

Sessions("a dropped socket's episode closes when the grace period ends", async () => {
  const { cli, base } = await startServeCli(project, [
    '--scenarios',
    'online_bookstore',
    '--reattach-grace',
    '0.5',
    '--drain-timeout',
    '0',
  ]);
  const socket = await openSocket(`${base.replace('http://', 'ws://')}/ws`);
  const reset = await socket.send({ type: 'reset', data: { scenario: 'online_bookstore', task_idx: 1 } });
  const id = String(reset.data.observation.metadata.episode_id);
  const dropped = Date.now();
  socket.ws.terminate();
  await until('the grace period to end', async () => (await call(base, 'GET', `/episodes/${id}`)).status === 404);
  assert.ok(Date.now() - dropped >= 400, 'closed before its grace period ended');
  assert.is(await awaitMetric(base, 'awm_episodes_closed_total', { reason: 'disconnected' }), 1);
  const again = await openSocket(`${base.replace('http://', 'ws://')}/ws`);
  const late = await again.send({ type: 'reset', data: { resume_episode_id: id } });
  assert.match(late.data.observation.error, 'longer ago than the grace period');
  again.ws.close(1000);
  cli.killGroup('SIGTERM');
  assert.is(await exitCode(cli, 30_000), 0, cli.stderr());
});

Sessions('WS /mcp: JSON-RPC frames on episodes the connection owns; {"type":"mcp"} frames on /ws', async () => {
  const { cli, base } = await startServeCli(project, ['--scenarios', 'online_bookstore', '--drain-timeout', '0']);
  const wsBase = base.replace('http://', 'ws://');
  const rpc = await openSocket(`${wsBase}/mcp`);
  const created = await rpc.send({ jsonrpc: '2.0', id: 1, method: 'openenv/session/create', params: { task_id: 1 } });
  const sessionId = String(created.result.session_id);
  const tools = await rpc.send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
  assert.is(tools.result.tools.length, 38);
  assert.not.ok(tools.result.tools.some((tool: { name: string }) => ['verify', 'done'].includes(tool.name)));
  // No session_id: the connection's episode.
  const made = await rpc.send({
    jsonrpc: '2.0',
    id: 3,
    method: 'tools/call',
    params: { name: 'create_wishlist', arguments: { name: 'Over WS /mcp' } },
  });
  assert.is(made.id, 3);
  assert.ok(made.result.structuredContent.wishlist.wishlist_id > 0, JSON.stringify(made));
  assert.is((await call(base, 'GET', `/episodes/${sessionId}`)).body['calls'], 1);
  const oracle = await rpc.send({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'verify' } });
  assert.is(oracle.result.isError, true);
  assert.is((await rpc.sendText('{nope')).error.code, -32700);
  // The connection's episodes close with it.
  rpc.ws.close(1000);
  await until(
    'the WS /mcp episode to close',
    async () => (await call(base, 'GET', `/episodes/${sessionId}`)).status === 404,
  );

  // {"type":"mcp"} frames on /ws go to the socket's episode.
  const socket = await openSocket(`${wsBase}/ws`);
  const reset = await socket.send({ type: 'reset', data: { scenario: 'online_bookstore', task_idx: 1 } });
  const id = String(reset.data.observation.metadata.episode_id);
  const framed = await socket.send({
    type: 'mcp',
    data: {
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'create_wishlist', arguments: { name: 'Framed' } },
    },
  });
  assert.is(framed.type, 'mcp');
  assert.is(framed.data.id, 7);
  assert.ok(framed.data.result.structuredContent.wishlist.wishlist_id > 0, JSON.stringify(framed));
  const described = await call(base, 'GET', `/episodes/${id}`);
  assert.is(described.body['calls'], 1);
  const framedOracle = await socket.send({
    type: 'mcp',
    data: { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'done', arguments: {} } },
  });
  assert.is(framedOracle.data.result.isError, true);
  assert.is((await call(base, 'GET', `/episodes/${id}`)).status, 200, 'done over MCP ended nothing');

  // The port's reward_config: verdict numbers and the format-error step reward; unknown keys warned about.
  const bad = await socket.send({
    type: 'reset',
    data: { scenario: 'online_bookstore', task_idx: 1, reward_config: { complete: 'one' } },
  });
  assert.is(bad.data.observation.reward_type, 'reset_error');
  assert.match(bad.data.observation.error, 'reward_config.complete must be a number');
  const custom = await socket.send({
    type: 'reset',
    data: { scenario: 'online_bookstore', task_idx: 1, reward_config: { others: 0.25, format_error: -3, bogus: 1 } },
  });
  assert.is(custom.data.observation.reward_type, 'reset_warning');
  assert.match(custom.data.observation.warning, 'reward_config keys ignored: bogus');
  assert.is((await socket.send(step('no_such_tool'))).data.reward, -3);
  const untouched = await socket.send(step('verify', { verifier_mode: 'code' }));
  assert.equal([untouched.data.observation.reward_type, untouched.data.reward], ['others', 0.25]);
  // done right after a verify with no call since reuses that verdict: no second verifier run.
  const verifiedBefore = metric((await call(base, 'GET', '/metrics')).text, 'awm_verify_results_total');
  const done = await socket.send(step('done'));
  assert.equal([done.data.done, done.data.reward, done.data.observation.reward_type], [true, 0.25, 'others']);
  assert.is(metric((await call(base, 'GET', '/metrics')).text, 'awm_verify_results_total'), verifiedBefore);
  socket.ws.close(1000);

  // REST: the MCP URL as an MCP client takes it, the port's reset observation, §6.1's verdict fields.
  const opened = await call(base, 'POST', '/episodes', { scenario: 'online_bookstore', task_id: 'task_01' });
  assert.equal(opened.body['mcp'], { url: opened.body['mcp_url'] });
  const observation = opened.body['observation'] as Record<string, unknown>;
  assertAwmFields(observation);
  assert.equal(
    [observation['reward_type'], observation['num_tools'], observation['task_idx'], observation['has_verifier']],
    ['reset_ok', 38, 1, { sql: false, code: true }],
  );
  const verified = await call(base, 'POST', `/episodes/${String(opened.body['episode_id'])}/verify`, {
    final_answer: 'done',
  });
  assert.equal(
    [verified.body['reward_type'], verified.body['scorable'], verified.body['reward']],
    ['others', true, 0],
    verified.text,
  );
  cli.killGroup('SIGTERM');
  assert.is(await exitCode(cli, 30_000), 0, cli.stderr());
});

Sessions('SIGTERM drains: no new episodes, readiness 503, live ones carry on, exit once they end', async () => {
  const { cli, base } = await startServeCli(project, ['--scenarios', 'online_bookstore', '--drain-timeout', '60']);
  const live = await call(base, 'POST', '/episodes', { scenario: 'online_bookstore', task_id: 'task_01' });
  assert.is(live.status, 201, live.text);
  const id = String(live.body['episode_id']);
  assert.is((await call(base, 'GET', '/health?ready')).status, 200);
  cli.killGroup('SIGTERM');
  await waitFor('the drain message', () => (cli.stderr().includes('draining') ? true : undefined), { cli });
  assert.match(cli.stderr(), 'waiting up to 60 s for 1 live episodes');
  const ready = await call(base, 'GET', '/health?ready');
  assert.equal([ready.status, ready.body['status']], [503, 'draining']);
  assert.is((await call(base, 'GET', '/health')).status, 200, 'liveness holds while draining');
  const refused = await call(base, 'POST', '/episodes', { scenario: 'online_bookstore', task_id: 'task_01' });
  assert.equal([refused.status, (refused.body['error'] as Record<string, unknown>)['code']], [503, 'SHUTTING_DOWN']);
  // A WebSocket finds no slot either (no episode waits to be resumed).
  const late = new WebSocket(`${base.replace('http://', 'ws://')}/ws`);
  const lateFrame = await within(
    new Promise<Record<string, any>>((resolve) => late.once('message', (data) => resolve(JSON.parse(data.toString())))),
    'the refusal frame',
  );
  assert.is(lateFrame.data.code, 'SHUTTING_DOWN');
  // The live episode still works: a verification of its untouched database.
  const verified = await call(base, 'POST', `/episodes/${id}/verify`, {});
  assert.equal([verified.status, verified.body['reward']], [200, 0]);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.is(cli.child.exitCode, null, 'the server left while an episode was live');
  const started = Date.now();
  assert.is((await call(base, 'DELETE', `/episodes/${id}`)).status, 200);
  assert.is(await exitCode(cli, 30_000), 0, cli.stderr());
  assert.ok(Date.now() - started < 10_000, 'the drain ended when the last episode did');
  assert.match(cli.stdout(), 'awm: episode server stopped');
});

Sessions('a drain that times out closes the episodes still live', async () => {
  const { cli, base } = await startServeCli(project, ['--scenarios', 'online_bookstore', '--drain-timeout', '0.5']);
  assert.is((await call(base, 'POST', '/episodes', { scenario: 'online_bookstore' })).status, 201);
  cli.killGroup('SIGTERM');
  assert.is(await exitCode(cli, 30_000), 0, cli.stderr());
  assert.match(cli.stderr(), 'awm: closed 1 episodes still live after the drain');
});

Sessions('sql-mode verify asks the judge the server was given; without an LLM it says why, reward null', async () => {
  const mock = await startMockLlmServer({});
  try {
    const { cli, base } = await startServeCli(
      project,
      ['--scenarios', 'online_bookstore', '--judge-model', 'judge-for-serve', '--drain-timeout', '0'],
      { OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'sk-test' },
    );
    const opened = await call(base, 'POST', '/episodes', { scenario: 'online_bookstore', task_id: 'task_01' });
    const id = String(opened.body['episode_id']);
    assert.equal((opened.body['observation'] as Record<string, unknown>)['has_verifier'], { sql: true, code: true });
    mock.push(mockStep.json(judgeAnswer('incomplete')));
    const judged = await call(base, 'POST', `/episodes/${id}/verify`, {
      mode: 'sql',
      final_answer: 'I did nothing at all',
    });
    assert.is(judged.status, 200, judged.text);
    assert.equal(
      [judged.body['mode'], judged.body['reward_reason'], judged.body['judge_model']],
      ['sql', 'incomplete', 'judge-for-serve'],
    );
    assert.is(judged.body['reward'], 0.1);
    const asked = mock.chatRequests[0]!;
    assert.is((asked.body as { model: string }).model, 'judge-for-serve');
    assert.ok(asked.text.includes('Summer reading 2026'), 'the judge saw the task');
    assert.ok(asked.text.includes('I did nothing at all'), "the judge saw the agent's final answer");
    // Over /ws too; a judge that gives no usable verdict is unscorable, not 0.
    const socket = await openSocket(`${base.replace('http://', 'ws://')}/ws`);
    await socket.send({ type: 'reset', data: { resume_episode_id: id } });
    mock.push(mockStep.answer('fine'), mockStep.answer('fine'), mockStep.answer('fine'));
    const broken = await socket.send(step('verify', { verifier_mode: 'sql' }));
    assert.is(broken.data.reward, null, JSON.stringify(broken));
    assert.is(broken.data.observation.reward_type, 'judge_error');
    socket.ws.close(1000);
    cli.killGroup('SIGTERM');
    assert.is(await exitCode(cli, 30_000), 0, cli.stderr());
  } finally {
    await mock.close();
  }
  // No LLM configured: sql mode answers why, with no reward; code mode is unaffected.
  const { cli, base } = await startServeCli(project, ['--scenarios', 'online_bookstore', '--drain-timeout', '0']);
  const opened = await call(base, 'POST', '/episodes', { scenario: 'online_bookstore', task_id: 'task_01' });
  const none = await call(base, 'POST', `/episodes/${String(opened.body['episode_id'])}/verify`, { mode: 'sql' });
  assert.equal(
    [none.status, none.body['reward'], none.body['reward_type'], none.body['scorable']],
    [409, null, 'no_judge', false],
  );
  assert.match(JSON.stringify(none.body), 'no LLM is configured');
  cli.killGroup('SIGTERM');
  assert.is(await exitCode(cli, 30_000), 0, cli.stderr());
});

Sessions("a Python verifier (the reference pipeline's) verifies an episode through the same path", async () => {
  const python = await findPython();
  if (!python.ok) return console.log(`  skipped: a Python verifier in the episode server (${python.error})`);
  const path = join(project.dir, 'artifacts', 'online_bookstore', 'verifiers', 'task_07.json');
  const original = readFileSync(path, 'utf8');
  const ours = JSON.parse(original) as Record<string, unknown>;
  const code = `def verify_task_completion(initial_db_path, final_db_path, final_answer=None):
    count = lambda path: sqlite3.connect(f"file:{path}?mode=ro", uri=True).execute("SELECT COUNT(*) FROM wishlists").fetchone()[0]
    before, after = count(initial_db_path), count(final_db_path)
    return {"result": "complete" if after > before else "others", "reason": "python: wishlists %d -> %d" % (before, after)}
`;
  writeFileSync(
    path,
    JSON.stringify({
      task_id: ours['task_id'],
      kind: ours['kind'],
      task: ours['task'],
      world_clock: ours['world_clock'],
      language: 'python',
      function_name: 'verify_task_completion',
      code_verifier: code,
      fact_gatherer: '',
      success_criteria: '',
      failure_criteria: '',
      reasoning: 'imported for the test',
      source: { file: 'gen_verifier.jsonl', line: 1, mode: 'code' },
    }),
  );
  // A judge is configured, so has_verifier.sql says what the file holds: no fact gatherer here.
  const mock = await startMockLlmServer({});
  const { cli, base } = await startServeCli(
    project,
    ['--scenarios', 'online_bookstore', '--judge-model', 'judge-for-serve', '--drain-timeout', '0'],
    { OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'sk-test' },
  );
  try {
    const opened = await call(base, 'POST', '/episodes', { scenario: 'online_bookstore', task_id: 'task_07' });
    assert.is(opened.status, 201, opened.text);
    assert.equal((opened.body['observation'] as Record<string, unknown>)['has_verifier'], { sql: false, code: true });
    const sql = await call(base, 'POST', `/episodes/${String(opened.body['episode_id'])}/verify`, { mode: 'sql' });
    assert.equal([sql.status, sql.body['reward'], sql.body['reward_type']], [409, null, 'mode_unavailable'], sql.text);
    const verified = await call(base, 'POST', `/episodes/${String(opened.body['episode_id'])}/verify`, {});
    assert.equal(
      [verified.status, verified.body['result'], verified.body['reward'], verified.body['reason']],
      [200, 'others', 0, 'python: wishlists 7 -> 7'],
      verified.text,
    );
  } finally {
    writeFileSync(path, original);
    cli.killGroup('SIGTERM');
    assert.is(await exitCode(cli, 30_000), 0, cli.stderr());
    await mock.close();
  }
});

Sessions.run();
