// host/abi codecs and the virtual clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePairs, serializePairs, splitPath, encodeProperty, toPropertyValue, decodeProperty, VirtualClock, headersAction, dataAction, trailersAction } from '../../host/index.ts';

const s = (b: Uint8Array) => Buffer.from(b).toString();

test('pairs: round trip and the reference example bytes', () => {
  const b = serializePairs([['a', '1'], ['b', '22']]);
  assert.equal(Buffer.from(b).toString('hex'), '02000000' + '01000000' + '01000000' + '01000000' + '02000000' + '6100' + '3100' + '6200' + '323200');
  assert.deepEqual(parsePairs(b).map(([k, v]) => [s(k), s(v)]), [['a', '1'], ['b', '22']]);
});

test('pairs: cpp-host parser rules → empty list on any violation', () => {
  const good = serializePairs([['k', 'v']]);
  assert.equal(parsePairs(good).length, 1);
  assert.deepEqual(parsePairs(new Uint8Array(3)), []); // < 4 bytes
  assert.deepEqual(parsePairs(Uint8Array.of(...good, 0)), []); // trailing byte
  const noNul = good.slice(); noNul[noNul.length - 1] = 0x41;
  assert.deepEqual(parsePairs(noNul), []); // value not NUL-terminated
  const tooMany = new Uint8Array(4); new DataView(tooMany.buffer).setUint32(0, 1025, true);
  assert.deepEqual(parsePairs(tooMany), []); // N > 1024
  const big = serializePairs([['k', 'x'.repeat(1024 * 1024)]]);
  assert.deepEqual(parsePairs(big), []); // > 1 MiB
  assert.equal(parsePairs(serializePairs(Array.from({ length: 1024 }, (_, i) => [`k${i}`, 'v']))).length, 1024);
  assert.deepEqual(parsePairs(serializePairs([])), []);
  // values may contain NUL and invalid UTF-8: lengths are explicit
  const odd = serializePairs([[Uint8Array.of(0x61), Uint8Array.of(0, 0xff, 0xfe)]]);
  assert.deepEqual([...parsePairs(odd)[0][1]], [0, 0xff, 0xfe]);
});

test('property path split and value encodings', () => {
  assert.deepEqual(splitPath(Buffer.from('request\0headers\0x-a')).map(s), ['request', 'headers', 'x-a']);
  assert.deepEqual(splitPath(Buffer.from('a\0')).map(s), ['a']); // trailing NUL tolerated
  assert.deepEqual(splitPath(Buffer.from('request.path')).map(s), ['request.path']); // no dot splitting
  assert.equal(decodeProperty.int(encodeProperty(toPropertyValue(-5))!), -5n);
  assert.equal(decodeProperty.uint(encodeProperty({ type: 'uint', value: 2n ** 64n - 1n })!), 2n ** 64n - 1n);
  assert.equal(decodeProperty.double(encodeProperty(toPropertyValue(1.5))!), 1.5);
  assert.deepEqual([...encodeProperty(toPropertyValue(true))!], [1]);
  assert.equal(decodeProperty.int(encodeProperty(toPropertyValue(new Date(1000)))!), 1_000_000_000n);
  const m = encodeProperty(toPropertyValue({ a: 'x', n: 1 }))!;
  const pairs = parsePairs(m);
  assert.equal(s(pairs[0][0]), 'a');
  assert.equal(decodeProperty.int(pairs[1][1]), 1n);
  assert.equal(encodeProperty({ type: 'object' }), null);
});

test('action mapping of §3', () => {
  assert.equal(headersAction(1, false, false), 'StopAllIterationAndWatermark');
  assert.equal(headersAction(1, true, false), 'StopIteration');
  assert.equal(headersAction(2, false, false), 'Continue');
  assert.equal(headersAction(3, false, false), 'StopAllIterationAndBuffer');
  assert.equal(headersAction(99, false, false), 'StopAllIterationAndWatermark');
  assert.equal(headersAction(0, false, true), 'StopAllIterationAndWatermark');
  assert.equal(dataAction(7, false), 'StopIterationNoBuffer');
  assert.equal(dataAction(0, true), 'StopIterationNoBuffer');
  assert.equal(trailersAction(5, false), 'StopIteration');
  assert.equal(trailersAction(0, true), 'StopIteration');
});

test('virtual clock: advance fires due timers in time order', () => {
  const c = new VirtualClock(0);
  const fired: string[] = [];
  c.schedule(30, () => fired.push(`b@${c.nowMs()}`));
  c.schedule(10, () => { fired.push(`a@${c.nowMs()}`); c.schedule(10, () => fired.push(`a2@${c.nowMs()}`)); });
  c.schedule(100, () => fired.push('late'));
  c.advance(50);
  assert.deepEqual(fired, ['a@10', 'a2@20', 'b@30']);
  assert.equal(c.nowMs(), 50);
  assert.equal(c.nowNs(), 50_000_000n);
});
