import { describe, expect, it } from 'vitest';
import { compileSecrets, redactLine, redactValue } from '../../src/log/redact.js';

describe('redactLine', () => {
  const secrets = compileSecrets(['SENTINEL', 'q"uo\\te']);

  it('returns a line with nothing to redact byte for byte, big integers included', () => {
    const line = '{"level":30,"n":12345678901234567890123,"msg":"plain"}\n';
    expect(redactLine(line, secrets)).toBe(line);
  });

  it('keeps the trailing newline of a redacted line', () => {
    expect(redactLine('{"msg":"a SENTINEL b"}\n', secrets)).toBe('{"msg":"a [redacted] b"}\n');
  });

  it('redacts a line that is not JSON as text, secrets in their JSON-escaped form included', () => {
    const line = 'not json SENTINEL and q\\"uo\\\\te\n';
    expect(redactLine(line, secrets)).toBe('not json [redacted] and [redacted]\n');
  });

  it('redacts a secret-named key whose value is an object, and leaves a null one', () => {
    const out = JSON.parse(redactLine('{"auth":{"user":"u","pass":"p"},"token":null}', compileSecrets([]))) as unknown;
    expect(out).toEqual({ auth: '[redacted]', token: null });
  });
});

describe('redactValue', () => {
  it('does not touch its input', () => {
    const input = { apiKey: 'k', nested: { s: 'SENTINEL' } };
    const out = redactValue(input, compileSecrets(['SENTINEL']));
    expect(out).toEqual({ apiKey: '[redacted]', nested: { s: '[redacted]' } });
    expect(input).toEqual({ apiKey: 'k', nested: { s: 'SENTINEL' } });
  });
});
