import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryStartupTimeout } from '../../src/testing/local-environment';

const timeout = new Error(
  "Failed to start ephemeral server: ephemeral server at 127.0.0.1:33067 did not start within 5s. Make sure another download isn't stuck and delete the temp file.",
);

describe('starting a local dev server for tests', () => {
  it('tries again after the SDK start-up timeout and returns the first server that starts', async () => {
    let calls = 0;
    const env = await retryStartupTimeout(async () => {
      calls++;
      if (calls < 3) throw timeout;
      return 'env';
    });
    assert.equal(env, 'env');
    assert.equal(calls, 3);
  });

  it('throws any other error at once', async () => {
    let calls = 0;
    await assert.rejects(
      retryStartupTimeout(async () => {
        calls++;
        throw new Error('executable does not exist');
      }),
      /executable does not exist/,
    );
    assert.equal(calls, 1);
  });

  it('gives up after the last attempt with the timeout itself', async () => {
    let calls = 0;
    await assert.rejects(
      retryStartupTimeout(async () => {
        calls++;
        throw timeout;
      }, 3),
      /did not start within 5s/,
    );
    assert.equal(calls, 3);
  });
});
