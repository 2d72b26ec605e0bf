/**
 * A script call written to the connection at once, its request encoded here (RESP) into one
 * buffer. For batches of writes (`write-batch.ts`): ioredis would flatten
 * (`Array.prototype.flat`) and convert the arguments, build the request as one long string and
 * encode it again on the socket, and its command would keep every argument alive until the
 * reply; here the arguments are flat strings already, copied once into the buffer and free
 * to go. The command bypasses ioredis's auto-pipelining (the caller gathers its own batch).
 * Touches: the connection it is given.
 *
 * @example
 * const reply = await sendNow(redis, 'evalsha', sha, keys, args);
 */
import { Command, type Redis } from 'ioredis';

/** One EVAL or EVALSHA of `script` (body or sha), written at once. */
export function sendNow(
  redis: Redis,
  name: 'evalsha' | 'eval',
  script: string,
  keys: readonly string[],
  args: readonly string[],
): Promise<unknown> {
  if (redis.options.keyPrefix) {
    return name === 'evalsha'
      ? redis.evalsha(script, keys.length, ...keys, ...args)
      : redis.eval(script, keys.length, ...keys, ...args);
  }
  const command = new EncodedCommand(name, encodeRequest(name, [script, String(keys.length)], keys, args));
  void redis.sendCommand(command);
  return command.promise;
}

/** A command whose request is encoded already (RESP): ioredis writes it as it is. */
class EncodedCommand extends Command {
  constructor(
    name: string,
    private readonly request: Buffer,
  ) {
    super(name, [], { replyEncoding: 'utf8' });
  }

  override toWritable(): Buffer {
    return this.request;
  }
}

/** Arguments shorter than this (in UTF-16 units) are gathered into one string before they are copied. */
const SHORT = 256;
/** Room kept for a long argument's header (`$<bytes>\r\n`, up to 10 digits). */
const HEADER_ROOM = 13;

/**
 * The RESP request `name ...lists` (arrays of bulk strings), in one buffer. A long argument
 * is copied into the buffer first, behind room for its header, and moved up to its header
 * once its length in bytes is known: its bytes are read once.
 */
export function encodeRequest(name: string, ...lists: (readonly string[])[]): Buffer {
  let count = 1;
  let size = 32 + name.length;
  for (const list of lists) {
    count += list.length;
    // At most 3 bytes of UTF-8 per UTF-16 unit.
    for (const s of list) size += 3 * s.length + 16;
  }
  const buffer = Buffer.allocUnsafe(size);
  let pending = `*${count}\r\n$${name.length}\r\n${name}\r\n`;
  let at = 0;
  for (const list of lists) {
    for (const s of list) {
      if (s.length < SHORT) {
        pending += `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
        continue;
      }
      at += buffer.write(pending, at);
      const length = buffer.write(s, at + HEADER_ROOM);
      const header = `$${length}\r\n`;
      buffer.copyWithin(at + header.length, at + HEADER_ROOM, at + HEADER_ROOM + length);
      at += buffer.write(header, at, 'latin1') + length;
      pending = '\r\n';
    }
  }
  at += buffer.write(pending, at);
  return buffer.subarray(0, at);
}
