// The tasks stage's check as a pure function, calibrated on the reference system's real tasks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { checkTasks, keptTasks, taskRows, type TasksAnswer, type TaskRules } from '../stages/tasks.js';
import { sentenceCount, taskTextProblems } from '../src/synthesis/task-rules.js';
import { datesIn, scheduledInThePast } from '../src/synthesis/task-dates.js';
import { awmSamples, readJsonl } from './support/awm-samples.js';

const GOOD: TasksAnswer = {
  tasks: [
    { kind: 'question', task: 'How many paperback copies of "Piranesi" by Susanna Clarke are in stock?' },
    { kind: 'create', task: "Add 2 copies of 'The Dispossessed' (ISBN 9780061054884) to my cart." },
    { kind: 'update', task: 'Change the quantity of Kindred in my cart to 3, priced at $12.50 each.' },
    { kind: 'delete', task: 'Remove Dune by Frank Herbert from my wishlist.' },
  ],
};

const CLOCK = new Date('2026-03-02T09:00:00Z');

/** The rules with a word target wide enough that these short examples draw no warning. */
function rules(count: number, minWords = 1, maxWords = 100): TaskRules {
  return { count, worldClock: CLOCK, minWords, maxWords };
}

test('a valid list passes', () => {
  assert.equal(checkTasks(GOOD, rules(4)), { ok: true });
});

test('fewer tasks than asked for fail, saying how many', () => {
  const outcome = checkTasks({ tasks: GOOD.tasks.slice(0, 3) }, rules(4));
  assert.equal(outcome, { ok: false, errors: ['expected 4 tasks, got 3; write exactly 4'], score: 1 });
});

test('more tasks than asked for pass: the first `count` are kept and judged, and the log says so', () => {
  const extra = { kind: 'update' as const, task: 'Open my cart. Then change the quantity of Kindred to 3.' };
  const answer = { tasks: [...GOOD.tasks, extra] };
  assert.equal(checkTasks(answer, rules(4)), {
    ok: true,
    warnings: ['the answer has 5 tasks; the first 4 are kept'],
  });
  assert.equal(
    taskRows(keptTasks(answer, 4)).map((row) => row.text),
    GOOD.tasks.map((task) => task.task),
  );
});

test('task length outside the word target is reported, not refused', () => {
  assert.equal(checkTasks(GOOD, rules(4, 25, 40)), {
    ok: true,
    warnings: [
      '4 of 4 tasks are outside the target of 25-40 words (mean 11.3); short tasks tend to leave out values the agent needs',
    ],
  });
});

test('two sentences, auth tasks and repeats are each named with the task', () => {
  const outcome = checkTasks(
    {
      tasks: [
        GOOD.tasks[0]!,
        { kind: 'update', task: 'Open my cart. Then change the quantity of Kindred to 3.' },
        { kind: 'update', task: 'Reset my password to Hunter2 for my account.' },
        { kind: 'question', task: 'How many paperback copies of Piranesi by Susanna Clarke are in stock?' },
      ],
    },
    rules(4),
  );
  assert.not.ok(outcome.ok);
  if (outcome.ok) return;
  assert.equal(outcome.errors, [
    'task 2 is 2 sentences; write it as one sentence: Open my cart. Then change the quantity of Kindred to 3.',
    'task 3 is about accounts or authentication ("password"); the user is already signed in as user 1: Reset my password to Hunter2 for my account.',
    'task 4 repeats task 1; every task must be different',
  ]);
});

test('a list of only questions (or only changes) is refused', () => {
  const questions = checkTasks(
    { tasks: [GOOD.tasks[0]!, { kind: 'question', task: 'Which book has the most reviews?' }] },
    rules(2),
  );
  assert.equal(questions, {
    ok: false,
    errors: ['no task changes anything; mix changes (create, update, delete) with questions'],
    score: 1,
  });
  const changes = checkTasks({ tasks: GOOD.tasks.slice(1, 3) }, rules(2));
  assert.equal(changes, {
    ok: false,
    errors: ['no task is a question; mix questions (answered from the data) with changes'],
    score: 1,
  });
});

test('the sentence heuristic ignores abbreviations, decimals and quoted titles', () => {
  assert.is(sentenceCount('Book Dr. Smith for 3 p.m. on Friday.'), 1);
  assert.is(sentenceCount('Pay $19.99 for order No. 5512 today.'), 1);
  assert.is(sentenceCount("Add 'Hello. World' to my list."), 1);
  assert.is(sentenceCount('Which is cheaper? Tell me the price.'), 2);
  assert.is(sentenceCount('Cancel it.\nThen refund it.'), 2);
});

test('business uses of sign-up and accounts are not auth; log-ins and passwords are', () => {
  assert.equal(taskTextProblems('Sign up for the Tuesday 7 pm yoga class at the Riverside studio.'), []);
  assert.equal(taskTextProblems('Open a new savings account named Vacation Fund with a $100 deposit.'), []);
  assert.equal(taskTextProblems('Register for the March 12 pottery workshop.'), []);
  assert.is(taskTextProblems('Log in and show my orders.').length, 1);
  assert.is(taskTextProblems('Sign up for an account with my email.').length, 1);
  assert.is(taskTextProblems('Enable two-factor authentication on my profile.').length, 1);
  assert.equal(taskTextProblems("Require SMS recipient authentication for the envelope 'Offer Letter'."), []);
});

test('initials and abbreviated weekdays do not end a sentence; a real second sentence still does', () => {
  for (const name of ['Ursula K. Le Guin', 'Octavia E. Butler', 'J. R. Smith'])
    assert.equal(taskTextProblems(`Add every paperback by ${name} that costs under $15 to my wishlist.`), [], name);
  assert.equal(taskTextProblems('Book the earliest free slot on Mon. March 9 with Dr. Patel for a checkup.'), []);
  assert.equal(taskTextProblems('Add Kindred by Octavia E. Butler to my cart. Then check out.'), [
    'is 2 sentences; write it as one sentence',
  ]);
});

test("a thing's password, logging hours and signing out a tool are not auth; logging in to my account is", () => {
  assert.equal(taskTextProblems('Update the Wi-Fi password on my guest network'), []);
  assert.equal(taskTextProblems('Log in 3 volunteer hours'), []);
  assert.equal(taskTextProblems('Sign out the cordless drill'), []);
  assert.equal(taskTextProblems('Log in to my account'), [
    'is about accounts or authentication ("Log in"); the user is already signed in as user 1',
  ]);
  assert.is(taskTextProblems('Sign out of every device I use.').length, 1);
  assert.is(taskTextProblems('Change my password to something stronger.').length, 1);
});

test('a change scheduled before the world clock is fed back; history and questions are not', () => {
  const past = checkTasks(
    {
      tasks: [
        GOOD.tasks[0]!,
        {
          kind: 'create',
          task: 'Schedule a one-time payment of $185.00 to Riverside Dental Care from my Everyday Checking account on 2026-02-10.',
        },
        { kind: 'update', task: 'Reschedule my haircut with Mia to February 20 at 3 pm.' },
      ],
    },
    rules(3),
  );
  assert.equal(past.ok ? [] : past.errors, [
    "task 2 schedules something on 2026-02-10 (2026-02-10), before the world's present (2026-03-02); date it on or after that day: " +
      'Schedule a one-time payment of $185.00 to Riverside Dental Care from my Everyday Checking account on 2026-02-10.',
    "task 3 schedules something on February 20 (2026-02-20), before the world's present (2026-03-02); date it on or after that day: " +
      'Reschedule my haircut with Mia to February 20 at 3 pm.',
  ]);
  assert.equal(scheduledInThePast('Schedule the same payment again for March 10, 2026.', 'create', CLOCK), []);
  assert.equal(
    scheduledInThePast('Book a return pickup for the order I placed on 2026-02-10, on March 5.', 'create', CLOCK),
    [],
  );
  assert.equal(scheduledInThePast('How much did I spend on February 3, 2026 at the bakery?', 'question', CLOCK), []);
  assert.equal(
    datesIn('Move it from 2026-02-29 to 3 March 2026, or Mar. 4, or Dec 30.', CLOCK).map((date) => date.day),
    ['2026-03-03', '2026-03-04', '2026-12-30'],
  );
});

test('ids are task_00, task_01, … in answer order', () => {
  assert.equal(
    taskRows(GOOD).map((row) => row.id),
    ['task_00', 'task_01', 'task_02', 'task_03'],
  );
  assert.equal(taskRows(GOOD)[1], { id: 'task_01', kind: 'create', text: GOOD.tasks[1]!.task });
  const many: TasksAnswer = {
    tasks: Array.from({ length: 101 }, (_unused, index) => ({ kind: 'question', task: `Question ${index}?` })),
  };
  assert.is(taskRows(many)[100]!.id, 'task_100');
  assert.is(taskRows(many)[7]!.id, 'task_007');
});

test("the reference system's real tasks are single sentences without auth (the heuristics refuse no good task)", () => {
  const samples = awmSamples('reference tasks');
  if (samples === null) return;
  const files = ['community-run-8-scenarios/gen_tasks.jsonl', 'awm-1k-first-rows/gen_tasks.jsonl'];
  const tasks = files.flatMap((file) =>
    readJsonl<{ tasks: string[] }>(join(samples, file)).flatMap((row) => row.tasks),
  );
  assert.is(tasks.length, 110);
  const refused = tasks
    .map((task) => ({ task, problems: taskTextProblems(task) }))
    .filter((entry) => entry.problems.length > 0);
  assert.equal(refused, []);
});

test.run();
