import { describe, expect, it } from 'vitest';
import { Command } from 'ioredis';
import { encodeRequest } from '../../src/persistence/encoded-command.js';

/** The request as ioredis itself encodes it. */
function ioredisRequest(name: string, args: string[]): Buffer {
  const writable = new Command(name, args).toWritable({});
  return typeof writable === 'string' ? Buffer.from(writable) : writable;
}

describe('a script request encoded in one buffer', () => {
  it('is byte for byte the request ioredis would write, for short, long, empty and non-ASCII arguments', () => {
    const long = JSON.stringify({ note: 'x'.repeat(600), symbol: 'AVL/USDT:USDT', price: 0.25 });
    const keys = ['pg:lease:a', 'pg:pos:1', ''];
    const args = [
      'w1|7',
      'S',
      long,
      'é€😀'.repeat(40),
      'ü',
      '1764000000000',
      'é'.repeat(200),
      'é€😀'.repeat(300),
      'x'.repeat(256),
    ];
    expect(encodeRequest('evalsha', ['abc', String(keys.length)], keys, args)).toEqual(
      ioredisRequest('evalsha', ['abc', String(keys.length), ...keys, ...args]),
    );
  });

  it('encodes a request with no arguments', () => {
    expect(encodeRequest('eval').toString()).toBe('*1\r\n$4\r\neval\r\n');
  });
});
