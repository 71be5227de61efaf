// The reference system's spellings rewritten to awm's, on the real command table: `_` for `-` in
// the flags of env, agent and verify (one rule, checked on every dashed option those commands take),
// `env check_all|reset_db`, the reference-only flags, a flag in both spellings, and `awm gen`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COMMANDS, GLOBAL_OPTIONS } from '../src/commands/command.js';
import { readReferenceSpelling } from '../src/commands/reference-spelling.js';

const OPTIONS = Object.assign({}, GLOBAL_OPTIONS, ...COMMANDS.map((command) => command.options));

const PROTOCOL_NOTE =
  "awm agent calls tools natively (--protocol tools) unless told; the reference's agent writes <tool_call> text, which is --protocol awm-xml (the protocol the Arctic-AWM models were trained on)";

function spelled(args: string[]): { args: readonly string[]; notes: readonly string[] } | string {
  const result = readReferenceSpelling(args, OPTIONS, COMMANDS);
  return result.ok ? result.value : result.error;
}

test('agent: the reference flags become ours, separate or inline values, wherever they stand', () => {
  assert.equal(
    spelled([
      '-C',
      'project',
      'agent',
      '--scenario',
      'e_commerce_33',
      '--task_id',
      '0',
      '--api_url=http://localhost:8000/v1',
      '--mcp_url',
      'http://localhost:8001/mcp',
      '--max_iterations',
      '20',
      '--max_tokens',
      '2048',
      '--output_dir',
      'out',
    ]),
    {
      args: [
        '-C',
        'project',
        'agent',
        '--scenario',
        'e_commerce_33',
        '--task-id',
        '0',
        '--api-url=http://localhost:8000/v1',
        '--mcp-url',
        'http://localhost:8001/mcp',
        '--max-iterations',
        '20',
        '--max-tokens',
        '2048',
        '--output-dir',
        'out',
      ],
      notes: [PROTOCOL_NOTE],
    },
  );
});

test('agent in the reference spelling: a note on the protocol unless --protocol is given', () => {
  assert.equal(spelled(['agent', '--task_id', '0', '--protocol', 'awm-xml']), {
    args: ['agent', '--task-id', '0', '--protocol', 'awm-xml'],
    notes: [],
  });
  assert.equal(spelled(['agent', '--task-id', '0']), { args: ['agent', '--task-id', '0'], notes: [] });
  assert.equal(spelled(['agent', '--task_id', '0']), { args: ['agent', '--task-id', '0'], notes: [PROTOCOL_NOTE] });
});

test('every dashed flag of env, agent and verify is taken with _ for -; other commands keep their spelling', () => {
  for (const command of COMMANDS.filter((spec) => ['env', 'agent', 'verify'].includes(spec.name)))
    for (const [name, option] of Object.entries(command.options).filter(([name]) => name.includes('-'))) {
      const value = option.type === 'string' ? ['v'] : [];
      const result = spelled([command.name, `--${name.replaceAll('-', '_')}`, ...value]);
      assert.equal(typeof result === 'string' ? result : result.args, [command.name, `--${name}`, ...value]);
    }
  assert.equal(spelled(['build', '--dry_run']), { args: ['build', '--dry_run'], notes: [] });
  assert.equal(spelled(['serve', '--max_episodes', '3']), { args: ['serve', '--max_episodes', '3'], notes: [] });
});

test('an unknown flag and a flag of another command stay as typed, for the parser to refuse', () => {
  assert.equal(spelled(['agent', '--envs_path', 'outputs/gen_envs.jsonl', '--task_id', '0']), {
    args: ['agent', '--envs_path', 'outputs/gen_envs.jsonl', '--task-id', '0'],
    notes: [PROTOCOL_NOTE],
  });
  assert.equal(spelled(['verify', '--verifier_path', 'x.jsonl', '--input', 'run']), {
    args: ['verify', '--verifier_path', 'x.jsonl', 'run'],
    notes: [],
  });
  for (const args of [
    ['env', 'start', '--output_dir', 'x'],
    ['agent', '--idle_ttl', '3'],
  ])
    assert.equal(spelled(args), { args, notes: [] });
});

test('one flag in both spellings is an error naming both; the same spelling twice is the parser’s business', () => {
  assert.is(
    spelled(['agent', '--task_id', '3', '--task-id', '4']),
    '--task_id and --task-id are one option (--task-id) in two spellings; give it once',
  );
  assert.is(
    spelled(['agent', '--mcp-url=a', '--scenario', 's', '--mcp_url', 'b']),
    '--mcp-url and --mcp_url are one option (--mcp-url) in two spellings; give it once',
  );
  assert.equal(spelled(['agent', '--task-id', '3', '--task-id', '4']), {
    args: ['agent', '--task-id', '3', '--task-id', '4'],
    notes: [],
  });
});

test('env check_all and reset_db are check-all and reset-db; their file flags are dropped with a note', () => {
  assert.equal(spelled(['env', 'check_all', '--input', 'outputs/gen_envs.jsonl']), {
    args: ['env', 'check-all'],
    notes: [
      '--input outputs/gen_envs.jsonl is not read: awm checks the envs `awm build` made (--scenarios GLOB picks some), not those in that file',
    ],
  });
  const reset = spelled(['env', 'reset_db', '--input_db', 'gen_db.jsonl', '--input_sample=gen_sample.jsonl']);
  assert.equal(typeof reset === 'string' ? reset : [reset.args, reset.notes.length], [['env', 'reset-db'], 2]);
  assert.equal(spelled(['env', 'check_foo']), { args: ['env', 'check_foo'], notes: [] });
});

test('env start --envs_load_path is dropped with a note saying what awm serves instead', () => {
  assert.equal(
    spelled([
      'env',
      'start',
      '--scenario',
      'e_commerce_33',
      '--envs_load_path',
      'outputs/gen_envs.jsonl',
      '--port',
      '8001',
    ]),
    {
      args: ['env', 'start', '--scenario', 'e_commerce_33', '--port', '8001'],
      notes: [
        '--envs_load_path outputs/gen_envs.jsonl is not read: awm serves the env `awm build` made for the scenario, not the Python server in that file',
      ],
    },
  );
  // Only where the reference has it: `--input` of env start is no reference flag.
  assert.equal(spelled(['env', 'start', '--input', 'x']), { args: ['env', 'start', '--input', 'x'], notes: [] });
});

test('verify --input RUN_DIR is verify RUN_DIR; with RUN_DIR too it is an error', () => {
  assert.equal(spelled(['verify', '--input', 'outputs/agents/x', '--mode', 'sql']), {
    args: ['verify', 'outputs/agents/x', '--mode', 'sql'],
    notes: [],
  });
  assert.equal(spelled(['verify', '--mode=code', '--input=runs/a']), {
    args: ['verify', '--mode=code', 'runs/a'],
    notes: [],
  });
  assert.is(
    spelled(['verify', 'runs/a', '--input', 'runs/b', '--mode', 'code']),
    "`awm verify` takes the run folder once: as RUN_DIR or as --input RUN_DIR (the reference's spelling), not both",
  );
});

test('awm gen is a command of its own: its reference flags pass through untouched', () => {
  const args = [
    'gen',
    'sample',
    '--input_task',
    'gen_tasks.jsonl',
    '--input_db',
    'gen_db.jsonl',
    '--output',
    'x.jsonl',
  ];
  assert.equal(readReferenceSpelling(args, OPTIONS, COMMANDS), { ok: true, value: { args, notes: [] } });
});

test.run();
