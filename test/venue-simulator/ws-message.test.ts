import { describe, expect, it } from 'vitest';
import { objectMessage } from '../../src/venue-simulator/ws-message.js';

describe("the wire simulator's reading of a client's WebSocket message", () => {
  it('reads a JSON object, and answers undefined for junk, a bare value or null (the venue then answers its error)', () => {
    expect(objectMessage(Buffer.from('{"op":"ping","req_id":"1"}'))).toEqual({ op: 'ping', req_id: '1' });
    expect(objectMessage('not json')).toBeUndefined();
    expect(objectMessage('42')).toBeUndefined();
    expect(objectMessage('null')).toBeUndefined();
    expect(objectMessage('"op"')).toBeUndefined();
  });
});
