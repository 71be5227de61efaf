// The reward table: defaults, `--rewards` text, and the verdicts and failures that are never scored.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_REWARDS, parseRewards, rewardFor, type RewardReason } from '../src/verify/rewards.js';

test('defaults: complete 1, incomplete 0.1, agent_error and others 0', () => {
  const rewards = (['complete', 'incomplete', 'agent_error', 'others'] as const).map(
    (reason) => rewardFor(reason, DEFAULT_REWARDS).reward,
  );
  assert.equal(rewards, [1, 0.1, 0, 0]);
});

test('server_error and every failure to reach a verdict have reward null, whatever the table says', () => {
  const generous = { complete: 5, incomplete: 5, agent_error: 5, others: 5 };
  const unscored: RewardReason[] = [
    'server_error',
    'missing_database',
    'verifier_error',
    'fact_gatherer_error',
    'judge_error',
    'sandbox_error',
  ];
  for (const reason of unscored) assert.equal(rewardFor(reason, generous), { reward: null, reason });
});

test('--rewards replaces the keys it gives; agent_error follows others unless given', () => {
  assert.equal(parseRewards('complete=1,incomplete=0.1,others=0'), { ok: true, value: DEFAULT_REWARDS });
  assert.equal(parseRewards(' complete = 2 , others=-1 '), {
    ok: true,
    value: { complete: 2, incomplete: 0.1, agent_error: -1, others: -1 },
  });
  assert.equal(parseRewards('others=-1,agent_error=-0.5'), {
    ok: true,
    value: { complete: 1, incomplete: 0.1, agent_error: -0.5, others: -1 },
  });
});

test('--rewards problems are all reported at once', () => {
  assert.equal(parseRewards('complete=yes,bogus=1,server_error=0,incomplete,others=1,others=2'), {
    ok: false,
    error: [
      'complete=yes: not a number',
      'unknown reward "bogus" (the rewards: complete, incomplete, agent_error, others)',
      'server_error is never scored (its reward is always null)',
      '"incomplete" is not KEY=NUMBER',
      'others is given twice',
    ],
  });
});

test.run();
