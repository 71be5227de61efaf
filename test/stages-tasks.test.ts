// The tasks stage's check as a pure function, calibrated on the reference system's real tasks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { checkTasks, taskRows, type TasksAnswer } from '../stages/tasks.js';
import { sentenceCount, taskTextProblems } from '../src/synthesis/task-rules.js';
import { awmSamples, readJsonl } from './support/awm-samples.js';

const GOOD: TasksAnswer = {
  tasks: [
    { kind: 'question', task: 'How many paperback copies of "Piranesi" by Susanna Clarke are in stock?' },
    { kind: 'create', task: "Add 2 copies of 'The Dispossessed' (ISBN 9780061054884) to my cart." },
    { kind: 'update', task: 'Change the quantity of Kindred in my cart to 3, priced at $12.50 each.' },
    { kind: 'delete', task: 'Remove Dune by Frank Herbert from my wishlist.' },
  ],
};

test('a valid list passes', () => {
  assert.equal(checkTasks(GOOD, 4), { ok: true });
});

test('fewer (or more) tasks than asked for fail, saying how many', () => {
  const outcome = checkTasks({ tasks: GOOD.tasks.slice(0, 3) }, 4);
  assert.equal(outcome, { ok: false, errors: ['expected exactly 4 tasks, got 3'], score: 1 });
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
    4,
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
    2,
  );
  assert.equal(questions, {
    ok: false,
    errors: ['no task changes anything; mix changes (create, update, delete) with questions'],
    score: 1,
  });
  const changes = checkTasks({ tasks: GOOD.tasks.slice(1, 3) }, 2);
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
