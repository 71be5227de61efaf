// A quick memory reading of `awm serve` on the built demo (not a benchmark): opens episodes in steps
// and prints the server's RSS, the RSS of it and its sandbox children, and the run folder's size,
// first with the episodes only opened, then after each made a tools/list and one tools/call.
// Run in a built project: `npx awm build && node scripts/serve-memory.mjs [1000]`.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const most = Number(process.argv[2] ?? 1000);
const port = 18000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${port}`;
const awm = new URL('../bin/awm.js', import.meta.url).pathname;
const server = spawn(
  'node',
  [awm, 'serve', '--port', String(port), '--max-episodes', String(most), '--drain-timeout', '0'],
  {
    stdio: 'ignore',
  },
);
const scenarios = ['online_bookstore', 'clinic_appointment_booking', 'personal_banking'];

function rssMb() {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,rss='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number));
  const parent = new Map(rows.map(([pid, ppid]) => [pid, ppid]));
  let tree = 0;
  for (const [pid, , rss] of rows) {
    let up = pid;
    while (up > 1 && up !== server.pid) up = parent.get(up) ?? 0;
    if (up === server.pid) tree += rss;
  }
  const own = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1]);
  return { server: Math.round(own / 1024), withChildren: Math.round(tree / 1024) };
}

function runFolderMb() {
  const folder = readdirSync('outputs/servers')
    .filter((name) => name.endsWith('_serve'))
    .sort()
    .at(-1);
  return Number(execFileSync('du', ['-sm', join('outputs/servers', folder)], { encoding: 'utf8' }).split('\t')[0]);
}

async function report(label) {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const active = /^awm_active_episodes (\d+)/m.exec(metrics)[1];
  const { server: own, withChildren } = rssMb();
  console.log(
    `episodes=${active} ${label}: server_rss_mb=${own} with_children_rss_mb=${withChildren} run_folder_mb=${runFolderMb()}`,
  );
}

const rpc = async (url, method, params) =>
  (
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    })
  ).json();

async function open(index) {
  const body = JSON.stringify({ scenario: scenarios[index % scenarios.length], task_id: 0 });
  const response = await fetch(`${base}/episodes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  if (response.status !== 201) throw new Error(`POST /episodes: ${response.status} ${await response.text()}`);
  return (await response.json()).mcp_url;
}

async function callOnce(mcpUrl) {
  const tools = (await rpc(mcpUrl, 'tools/list', {})).result.tools;
  const tool = tools.find((candidate) => !candidate.inputSchema?.required?.length) ?? tools[0];
  const answer = await rpc(mcpUrl, 'tools/call', { name: tool.name, arguments: {} });
  if (answer.error) throw new Error(JSON.stringify(answer.error));
}

async function inBatches(items, work) {
  for (let start = 0; start < items.length; start += 16) await Promise.all(items.slice(start, start + 16).map(work));
}

try {
  for (;;) {
    const up = await fetch(`${base}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await report('none open');
  const urls = [];
  for (const target of [100, 500, most].filter((step, index, steps) => step <= most && steps.indexOf(step) === index)) {
    const fresh = await Promise.all(Array.from({ length: target - urls.length }, (_, k) => urls.length + k)).then(
      (indexes) => indexes.reduce(async (done, index) => [...(await done), await open(index)], Promise.resolve([])),
    );
    urls.push(...fresh);
    await report('opened');
    await inBatches(fresh, callOnce);
    await report('after tools/list + 1 tools/call each');
  }
} finally {
  server.kill('SIGTERM');
}
