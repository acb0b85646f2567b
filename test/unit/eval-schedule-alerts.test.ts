/** The alert decision of scheduled evals: once per crossing of the threshold or the drop limit. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertsOf, evalScheduleInputSchema } from '../../src/contracts/evals/schedule';

const input = evalScheduleInputSchema.parse({
  scheduleId: 's',
  agent: 'a',
  scorers: [{ type: 'maxSteps', max: 3 }],
  threshold: 0.5,
  maxDrop: 0.3,
  window: 2,
});

describe('alertsOf', () => {
  it('alerts when the mean first falls below the threshold, not again while it stays there', () => {
    assert.deepEqual(
      alertsOf(input, [], [0.2]).map((a) => a.kind),
      ['threshold'],
    );
    assert.deepEqual(alertsOf(input, [0.2], [0.1]), []);
  });
  it('alerts again after the mean recovered', () => {
    assert.deepEqual(alertsOf(input, [0.1, 0.2], [0.9]), []); // mean (0.9 + 0.1) / 2 = 0.5: recovered
    assert.deepEqual(
      alertsOf(input, [0.9, 0.1], [0]).map((a) => a.kind),
      ['threshold'],
    );
  });
  it('alerts once when the mean drops past the baseline by more than maxDrop', () => {
    // baseline: the oldest two scores (1, 1); newest two 0.6, 0.6 → drop 0.4 > 0.3, mean 0.6 above the threshold.
    const drop = alertsOf(input, [0.6, 1, 1], [0.6]);
    assert.deepEqual(
      drop.map((a) => [a.kind, a.baseline]),
      [['drop', 1]],
    );
    assert.deepEqual(alertsOf(input, [0.6, 0.6, 1, 1], [0.6]), []);
  });
  it('a tick that scored nothing raises nothing', () => {
    assert.deepEqual(alertsOf(input, [0], []), []);
  });
  it('refuses judge scorers with a clear message', () => {
    const parsed = evalScheduleInputSchema.safeParse({
      scheduleId: 's',
      agent: 'a',
      scorers: [{ type: 'judge', rubric: 'r', model: 'mock:x' }],
    });
    assert.equal(parsed.success, false);
    assert.match(JSON.stringify(parsed.error?.issues), /judge scorers are not supported/);
  });
});
