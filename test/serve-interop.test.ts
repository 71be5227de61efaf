// Interoperability of `awm serve`'s per-episode MCP URL with OpenAI's Agents SDK
// (@openai/agents-core's own MCPServerStreamableHttp client), over real loopback, on the real CLI
// serving a copy of the demo project built offline once for the file. The SDK's client lists the
// episode's tools (never verify, done or __list_scenarios__), calls the demo reference solution of
// a write task, and the trainer's REST verify sees that write in that episode only; calling the
// reserved names through the SDK is refused as a tool error, not answered with a reward. A real
// Agent + run() with a scripted Model (no LLM) then calls a tool through a second episode's URL.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, MCPServerStreamableHttp, run, setTracingDisabled, Usage } from '@openai/agents-core';
import type { AgentOutputItem, Model, ModelRequest, ModelResponse } from '@openai/agents-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { TempProject } from './support/cli-rig.js';
import { exitCode, killLeftoverClis, runCli, startCli, waitFor, type Cli } from './support/cli-process.js';
import { freshClone } from './support/fresh-clone.js';

setTracingDisabled(true);

const Interop = suite("awm serve's per-episode MCP URL through @openai/agents-core");
let project: TempProject;
let cli: Cli | undefined;
let base: string;
// uvu swallows an error thrown in a before hook (its runner returns from a `finally`), reports no
// failure and exits 0; so the hook keeps it and every test rethrows it.
let setupError: unknown;

const SCENARIO = 'online_bookstore';
const RESERVED = ['verify', 'done', '__list_scenarios__'];
const URL_LINE = /^awm: serving (\d+) scenarios at (http:\/\/\S+)$/m;

Interop.before(async () => {
  project = freshClone();
  try {
    const built = await runCli(project, ['build'], {}, 240_000);
    if (built.code !== 0) throw new Error(`the demo build failed:\n${built.stdout}${built.stderr}`);
    const started = startCli(project, ['serve', '--port', '0', '--scenarios', SCENARIO]);
    cli = started;
    const match = await waitFor('the URL line', () => URL_LINE.exec(started.stdout()) ?? undefined, {
      cli: started,
      timeoutMs: 120_000,
    });
    base = match[2]!;
  } catch (error) {
    setupError = error;
  }
});
Interop.after(async () => {
  if (cli !== undefined) {
    cli.killGroup('SIGTERM');
    await exitCode(cli, 30_000);
  }
  killLeftoverClis();
  project.remove();
});

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

async function rest(method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Record<string, unknown>, text };
}

async function openEpisode(taskId: string): Promise<{ id: string; mcpUrl: string }> {
  const opened = await rest('POST', '/episodes', { scenario: SCENARIO, task_id: taskId });
  assert.is(opened.status, 201, opened.text);
  return { id: String(opened.body['episode_id']), mcpUrl: String(opened.body['mcp_url']) };
}

interface SolutionCall {
  readonly tool: string;
  readonly arguments: Record<string, unknown>;
}

/** The demo's hand-written reference solution of a task (demo/solutions/README.md). */
function referenceSolution(taskId: string): readonly SolutionCall[] {
  const file = JSON.parse(readFileSync(join(project.dir, 'demo/solutions', `${SCENARIO}.json`), 'utf8')) as {
    tasks: { id: string; calls: SolutionCall[] }[];
  };
  const task = file.tasks.find((candidate) => candidate.id === taskId);
  if (task === undefined) throw new Error(`no ${taskId} in demo/solutions/${SCENARIO}.json`);
  return task.calls;
}

function specToolNames(): string[] {
  const spec = JSON.parse(readFileSync(join(project.dir, 'artifacts', SCENARIO, 'spec.json'), 'utf8')) as {
    tools: { name: string }[];
  };
  return spec.tools.map((tool) => tool.name).sort();
}

function textOf(content: readonly unknown[]): string {
  return content.map((part) => (part as { text?: string }).text ?? '').join('');
}

// task_07: "Change my review of 'Never Let Me Go' … to 3 stars and retitle it …": list_my_reviews, then update_review.
const TASK = 'task_07';

Interop(
  'listTools, a reference solution through callTool, REST verify per episode, reserved names refused',
  async () => {
    if (setupError !== undefined) throw setupError;
    const solution = referenceSolution(TASK);
    assert.equal(
      solution.map((call) => call.tool),
      ['list_my_reviews', 'update_review'],
    );
    const a = await openEpisode(TASK);
    const b = await openEpisode(TASK);
    assert.is(a.mcpUrl, `${base}/episodes/${a.id}/mcp`);
    const server = new MCPServerStreamableHttp({ url: a.mcpUrl, name: SCENARIO });
    try {
      await server.connect();
      const tools = await server.listTools();
      const names = tools.map((tool) => tool.name).sort();
      assert.equal(names, specToolNames());
      for (const reserved of RESERVED) assert.not.ok(names.includes(reserved), `${reserved} is listed`);
      const update = tools.find((tool) => tool.name === 'update_review');
      assert.ok(update?.inputSchema.properties && 'review_id' in update.inputSchema.properties);

      // Before the write, A's verdict is the seed's: the verifier reads A's current database.
      const before = await rest('POST', `/episodes/${a.id}/verify`, {});
      assert.is(before.status, 200, before.text);
      assert.equal([before.body['result'], before.body['reward']], ['others', 0]);

      const results: unknown[] = [];
      for (const call of solution) {
        const content = await server.callTool(call.tool, call.arguments);
        results.push(JSON.parse(textOf(content)));
      }
      const found = (results[0] as { reviews: { review_id: number; rating: number }[] }).reviews;
      assert.equal(
        found.map((review) => [review.review_id, review.rating]),
        [[2, 5]],
      );
      assert.is((results[1] as { review: { rating: number } }).review.rating, 3, JSON.stringify(results[1]));

      const after = await rest('POST', `/episodes/${a.id}/verify`, {});
      assert.is(after.status, 200, after.text);
      assert.equal([after.body['result'], after.body['reward']], ['complete', 1], after.text);
      // B, the same task on its own copy of the seed, never saw A's write.
      const untouched = await rest('POST', `/episodes/${b.id}/verify`, {});
      assert.is(untouched.status, 200, untouched.text);
      assert.equal([untouched.body['result'], untouched.body['reward']], ['others', 0], untouched.text);

      // The reward is not reachable from the agent's side: a tool error, not a verdict.
      for (const reserved of RESERVED) {
        const refused = await server.callToolResult(reserved, {});
        assert.is(refused.isError, true, `${reserved}: ${JSON.stringify(refused)}`);
        const text = textOf(refused.content as unknown[]);
        assert.match(text, 'unknown_tool');
        assert.not.match(text, 'reward');
      }
      // The refused calls ended nothing: A is still open, with its two real calls and three refused ones.
      const described = await rest('GET', `/episodes/${a.id}`);
      assert.equal(
        [described.body['state'], described.body['calls'], described.body['failed_calls']],
        ['active', 5, 3],
      );
    } finally {
      await server.close();
    }
    assert.is((await rest('DELETE', `/episodes/${a.id}`)).status, 200);
    assert.is((await rest('DELETE', `/episodes/${b.id}`)).status, 200);
  },
);

/** A Model that answers from a script, recording what the SDK asked it: no LLM. */
function scriptedModel(turns: readonly AgentOutputItem[][]): Model & { readonly requests: ModelRequest[] } {
  const requests: ModelRequest[] = [];
  return {
    requests,
    async getResponse(request: ModelRequest): Promise<ModelResponse> {
      requests.push(request);
      const output = turns[requests.length - 1];
      if (output === undefined) throw new Error(`the script has no turn ${requests.length}`);
      return { usage: new Usage(), output };
    },
    async *getStreamedResponse() {
      throw new Error('this model does not stream');
    },
  };
}

Interop('an Agent run with a scripted model calls a tool through the per-episode URL', async () => {
  if (setupError !== undefined) throw setupError;
  const write = referenceSolution(TASK).find((call) => call.tool === 'update_review')!;
  const episode = await openEpisode(TASK);
  const server = new MCPServerStreamableHttp({ url: episode.mcpUrl, name: SCENARIO });
  const model = scriptedModel([
    [
      {
        type: 'function_call',
        callId: 'call_1',
        name: 'update_review',
        arguments: JSON.stringify(write.arguments),
        status: 'completed',
      },
    ],
    [
      {
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: 'Your review now has 3 stars.' }],
      },
    ],
  ]);
  try {
    await server.connect();
    const agent = new Agent({ name: 'reader', instructions: 'You help user 1.', model, mcpServers: [server] });
    const result = await run(agent, 'Change my review of Never Let Me Go to 3 stars.');
    assert.is(result.finalOutput, 'Your review now has 3 stars.');
  } finally {
    await server.close();
  }
  // The SDK offered the model the episode's tools as functions, without the reserved names.
  const offered = model.requests[0]!.tools.map((tool) => tool.name).sort();
  assert.equal(offered, specToolNames());
  // And handed it the episode's answer to the call.
  const input = model.requests[1]!.input;
  const output = (Array.isArray(input) ? input : []).find((item) => item.type === 'function_call_result');
  assert.ok(output !== undefined, 'the second turn carries the function call result');
  assert.match(JSON.stringify(output), 'Beautiful but too slow for me');
  // The write landed in this episode's database: its verifier says so.
  const verified = await rest('POST', `/episodes/${episode.id}/verify`, {});
  assert.equal([verified.body['result'], verified.body['reward']], ['complete', 1], verified.text);
  const described = await rest('GET', `/episodes/${episode.id}`);
  assert.is(described.body['calls'], 1);
  assert.is((await rest('DELETE', `/episodes/${episode.id}`)).status, 200);
});

Interop.run();
