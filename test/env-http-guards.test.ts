// The env's HTTP guards as pure functions, without a server: which Host headers pass, that any
// Origin is refused, and how the bearer token is read and compared.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allowedHosts, hostHeaderVerdict } from '../src/env/host-header-guard.js';
import { originVerdict } from '../src/env/origin-guard.js';
import { bearerTokenVerdict } from '../src/env/bearer-token-guard.js';

test('Host: the loopback names with the bound port, and a named bound host; nothing else', () => {
  assert.equal([...allowedHosts('127.0.0.1', 8123)], ['127.0.0.1:8123', 'localhost:8123', '[::1]:8123']);
  assert.equal(
    [...allowedHosts('::1', 80)],
    ['127.0.0.1:80', '127.0.0.1', 'localhost:80', 'localhost', '[::1]:80', '[::1]'],
  );
  assert.equal([...allowedHosts('0.0.0.0', 9)], ['127.0.0.1:9', 'localhost:9', '[::1]:9']);
  assert.equal([...allowedHosts('env-7.internal', 9)], ['127.0.0.1:9', 'localhost:9', '[::1]:9', 'env-7.internal:9']);
  const hosts = allowedHosts('127.0.0.1', 8123);
  assert.equal(hostHeaderVerdict('LOCALHOST:8123', hosts), { ok: true });
  assert.equal(hostHeaderVerdict('attacker.example:8123', hosts), {
    ok: false,
    status: 403,
    code: 'host-not-allowed',
    message: 'Forbidden: Host "attacker.example:8123" is not allowed; use 127.0.0.1:8123',
  });
  for (const host of ['127.0.0.1', '127.0.0.1:8124', 'localhost.attacker.example:8123', '127.0.0.2:8123'])
    assert.is(hostHeaderVerdict(host, hosts).ok, false, host);
  assert.equal(hostHeaderVerdict(undefined, hosts), {
    ok: false,
    status: 403,
    code: 'host-not-allowed',
    message: 'Forbidden: the request has no Host header',
  });
});

test('Origin: absent passes, any value is refused (null and loopback origins too)', () => {
  assert.equal(originVerdict(undefined), { ok: true });
  for (const origin of ['null', 'http://127.0.0.1:8123', 'https://attacker.example'])
    assert.equal(originVerdict(origin).ok ? 0 : (originVerdict(origin) as { status: number }).status, 403, origin);
});

test('bearer token: the scheme in any case, the exact token; missing and wrong are told apart', () => {
  assert.equal(bearerTokenVerdict('Bearer s3cret', 's3cret'), { ok: true });
  assert.equal(bearerTokenVerdict('bearer s3cret ', 's3cret'), { ok: true });
  assert.equal(bearerTokenVerdict(undefined, 's3cret'), {
    ok: false,
    status: 401,
    code: 'token-missing',
    message: 'Unauthorized: send the run token as "Authorization: Bearer <token>"',
  });
  assert.equal(bearerTokenVerdict('Basic czNjcmV0', 's3cret').ok, false);
  for (const wrong of ['Bearer s3cre', 'Bearer s3cret2', 'Bearer S3CRET'])
    assert.equal(bearerTokenVerdict(wrong, 's3cret'), {
      ok: false,
      status: 401,
      code: 'token-wrong',
      message: 'Unauthorized: the bearer token is wrong',
    });
});

test.run();
